from django.contrib.admin.apps import AdminConfig


class NewsroomAdminConfig(AdminConfig):
    default_site = "newsroom.admin_site.NewsroomAdminSite"

    def ready(self):
        super().ready()
        # After autodiscover: the packages' admins are registered, ready to be replaced.
        from newsroom import package_admins

        package_admins.register()
