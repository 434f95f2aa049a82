import os

from django.core.wsgi import get_wsgi_application

from newsroom.startup import load_settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
load_settings()
application = get_wsgi_application()
