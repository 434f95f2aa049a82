"""The newsroom's roles as groups. Writers write and edit their own drafts; sub-editors
edit anything and mark it ready; editors also publish, correct and restore revisions.
What each permission allows is enforced in articles/admin.py and articles/workflow.py."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

WRITER = [
    "articles.add_article", "articles.change_article", "articles.view_article",
    "articles.add_articleauthor", "articles.change_articleauthor",
    "articles.delete_articleauthor", "articles.view_articleauthor",
    "articles.add_sidebar", "articles.change_sidebar", "articles.delete_sidebar",
    "articles.view_sidebar",
    "articles.add_photo", "articles.change_photo", "articles.view_photo",
    "articles.view_author", "articles.view_section", "issues.view_issue",
]
SUB_EDITOR = WRITER + ["articles.edit_any_article", "articles.mark_ready"]
EDITOR = SUB_EDITOR + [
    "articles.publish_article", "articles.manage_revisions", "articles.delete_article",
    "articles.add_correction", "articles.change_correction", "articles.delete_correction",
    "articles.view_correction", "articles.view_articletransition",
    "articles.add_author", "articles.change_author",
    "issues.change_issue", "issues.add_issue",
]
ROLES = {"Writer": WRITER, "Sub-editor": SUB_EDITOR, "Editor": EDITOR}


def create_roles(apps, schema_editor):
    # Permissions are normally made after migrations run; these groups need them now.
    for app_label in ("articles", "issues"):
        app_config = apps.get_app_config(app_label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for code in codes:
            app_label, codename = code.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0004_workflow_corrections_slug_redirects_photo_tags"),
        ("issues", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
