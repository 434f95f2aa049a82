"""The admins of installed packages, where the newsroom's differ: every admin action
declares the permission it needs (tests/security/test_role_matrix.py checks it)."""

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin


class NewsroomAccessAttemptAdmin(AccessAttemptAdmin):
    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)


def register():
    admin.site.unregister(AccessAttempt)
    admin.site.register(AccessAttempt, NewsroomAccessAttemptAdmin)
