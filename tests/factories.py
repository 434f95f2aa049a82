"""Factories that build just the objects a test needs."""

import io
from datetime import timedelta

import factory
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from articles.models import Article, ArticleAuthor, Author, Photo, Section, Sidebar
from issues.models import Issue


def jpeg_bytes(width=1600, height=1000, color=(180, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


class SectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Section
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Section {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class PhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Photo

    image = factory.LazyFunction(lambda: ContentFile(jpeg_bytes(), name="photo.jpg"))
    alt_text = "Protesters at night with linked arms"
    caption = "Protesters on the streets"
    credit = "REUTERS/Test Photographer"


class AuthorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Author

    name = factory.Sequence(lambda n: f"Reporter {n}")
    bio = "Writes about workers' struggles."


class IssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Issue

    number = factory.Sequence(lambda n: 2700 + n)
    publication_date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    status = Issue.Status.PUBLISHED


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article
        skip_postgeneration_save = True

    headline = factory.Sequence(lambda n: f"Strike wave spreads to town {n}")
    standfirst = "Workers walk out as the cost of living bites"
    body = "<p>First paragraph.</p><p>Second paragraph.</p>"
    section = factory.SubFactory(SectionFactory, name="News", slug="news")
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(lambda: timezone.now() - timedelta(hours=1))

    @factory.post_generation
    def authors(self, create, extracted, **kwargs):
        if create and extracted:
            for position, author in enumerate(extracted):
                ArticleAuthor.objects.create(article=self, author=author, position=position)

    @factory.post_generation
    def tags(self, create, extracted, **kwargs):
        if create and extracted:
            self.tags.add(*extracted)


class SidebarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sidebar

    article = factory.SubFactory(ArticleFactory)
    heading = "Friends in high places"
    body = "<p>A boxout with its own heading.</p>"
