from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ArticlesConfig(AppConfig):
    name = "articles"

    def ready(self):
        from articles import extras_view

        pre_migrate.connect(extras_view.drop_before_migrating, sender=self)
        post_migrate.connect(extras_view.create_after_migrating, sender=self)
