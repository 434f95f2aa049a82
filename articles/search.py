"""Reader search. On PostgreSQL: full-text search over a stored, GIN-indexed tsvector
(headline A, standfirst B, body C; kept up to date by a trigger, see migration
0003_article_search_vector), ranked by relevance damped by age, with `ts_headline`
snippets. On SQLite (the laptop default) a simpler fallback: every word must appear in
the headline, standfirst or body, newest first."""

import html
import re
from contextlib import contextmanager
from datetime import datetime, time

from django import forms
from django.conf import settings
from django.contrib.postgres.search import (
    SearchHeadline,
    SearchQuery,
    SearchRank,
    SearchVectorField,
)
from django.db import connection, models, transaction
from django.db.models.functions import Coalesce, Concat, Extract, Now
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe
from django.utils.timezone import make_aware
from django.views.generic import ListView
from taggit.models import Tag

from articles.models import Article, Section
from articles.pagination import CappedPaginator

SEARCH_CONFIG = "english"
# Only the newest this many matches are ranked: the cost of a search for a common word
# then stays bounded however large the archive grows. Older stories are found by
# narrowing the search (a date range, a section).
MAX_RANKED_MATCHES = 1000
MAX_QUERY_LENGTH = 200
# Relevance is divided by (1 + age in days / this): a story this many days old needs to
# be twice as relevant as today's to rank level with it.
RECENCY_HALF_WEIGHT_DAYS = 90
# Private-use characters mark the matches inside snippets: they survive tag stripping
# and escaping and cannot come from an article.
_MARK_START, _MARK_END = "\ue000", "\ue001"


class SearchForm(forms.Form):
    q = forms.CharField(label="Search for", max_length=MAX_QUERY_LENGTH, required=False)
    section = forms.ModelChoiceField(
        queryset=Section.objects.all(), to_field_name="slug", required=False, empty_label="All"
    )
    tag = forms.SlugField(required=False, allow_unicode=True)
    start = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError("The start date is after the end date.", code="date_order")
        return data

    @property
    def has_query(self):
        return self.is_valid() and bool(self.cleaned_data["q"].strip())


def filter_articles(articles, *, section=None, tag=None, start=None, end=None):
    if section:
        articles = articles.in_section(section)
    if tag:
        articles = articles.tagged(tag)
    if start:
        articles = articles.filter(published_at__gte=make_aware(datetime.combine(start, time.min)))
    if end:
        articles = articles.filter(published_at__lte=make_aware(datetime.combine(end, time.max)))
    return articles


def search_articles(articles, text: str):
    """`articles` matching `text`, best first, each with a `snippet` annotation."""
    if connection.vendor == "postgresql":
        return _postgres_search(articles, text)
    return _fallback_search(articles, text)


class ArticleSearchVector(models.Expression):
    """The `search_vector` column, which exists only on PostgreSQL (added by a migration,
    not a model field, so that the model is the same on every database). Named through
    the query's own alias, so that it also works inside a subquery."""

    output_field = SearchVectorField()

    def as_sql(self, compiler, connection):
        alias = compiler.query.get_initial_alias()
        return f"{connection.ops.quote_name(alias)}.search_vector", []


def _postgres_search(articles, text):
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    matches = (
        articles.alias(search_vector=ArticleSearchVector())
        .filter(search_vector=query)
        .newest_first()
        .values("pk")[:MAX_RANKED_MATCHES]
    )
    age_days = Extract(Now() - models.F("published_at"), "epoch") / 86400.0
    return (
        articles.filter(pk__in=matches)
        .alias(search_vector=ArticleSearchVector())
        .annotate(
            relevance=models.ExpressionWrapper(
                SearchRank(models.F("search_vector"), query)
                / (1.0 + Coalesce(age_days, 0.0) / RECENCY_HALF_WEIGHT_DAYS),
                output_field=models.FloatField(),
            ),
            snippet=SearchHeadline(
                _standfirst_and_body(),
                query,
                config=SEARCH_CONFIG,
                start_sel=_MARK_START,
                stop_sel=_MARK_END,
                max_fragments=2,
                max_words=30,
                min_words=12,
                fragment_delimiter=" … ",
            ),
        )
        .order_by("-relevance", "-published_at", "-id")
    )


def _fallback_search(articles, text):
    words = [word for word in text.split() if word.strip('"-')][:10]
    for word in words:
        word = word.strip('"')
        articles = articles.filter(
            models.Q(headline__icontains=word)
            | models.Q(standfirst__icontains=word)
            | models.Q(body__icontains=word)
        )
    return articles.annotate(snippet=_standfirst_and_body()).newest_first()


def _standfirst_and_body():
    """The standfirst and body as one text, the standfirst ended as a sentence: a
    standfirst usually has no full stop, and a snippet would run it into the body."""
    separator = models.Case(
        models.When(standfirst="", then=models.Value("")),
        # Ends with a stop or an ellipsis, perhaps inside closing quotes or a bracket.
        models.When(
            standfirst__regex="[.!?\u2026:;][\"'\u2019\u201d)]*\\s*$", then=models.Value(" ")
        ),
        default=models.Value(". "),
    )
    return Concat("standfirst", separator, "body", output_field=models.TextField())


def render_snippet(raw: str, text: str, *, standfirst: str = "") -> str:
    """The snippet as safe HTML: the article's markup stripped, matches in <mark>. When
    the words matched the headline alone, the standfirst: it says what the story is,
    where the body's first words would stop mid-sentence."""
    plain = _plain_text(raw)
    if _MARK_START not in plain:
        if _MARK_START in _mark_words(plain, text) or not standfirst:
            plain = _mark_words(_first_words(plain, 40), text)
        else:
            plain = _first_words(_plain_text(standfirst), 40)
    marked = escape(plain).replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>")
    return mark_safe(marked)  # noqa: S308 - escaped above; only our own <mark> tags added


def _plain_text(markup):
    return " ".join(html.unescape(strip_tags(markup or "")).split())


def _first_words(text, count):
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def _mark_words(text, query):
    words = [re.escape(w.strip('"-')) for w in query.split() if len(w.strip('"-')) > 1]
    if not words:
        return text
    pattern = re.compile(r"\b(" + "|".join(words) + r")", re.IGNORECASE)
    return pattern.sub(lambda m: f"{_MARK_START}{m.group(0)}{_MARK_END}", text)


@contextmanager
def planned_for_its_words():
    """Has PostgreSQL plan each search for its own words. Prepared statements (see
    DATABASE_PREPARED_STATEMENTS) otherwise get one generic plan after five runs, which
    cannot know how rare the words are: it made a typical search twice as slow."""
    if connection.vendor != "postgresql":
        yield
        return
    # SET LOCAL lasts until the transaction ends; a savepoint would not end it sooner.
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
        yield


class SearchView(ListView):
    template_name = "articles/search.html"
    context_object_name = "results"
    paginator_class = CappedPaginator

    def get_paginate_by(self, queryset):
        return settings.PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET or None)
        if not self.form.has_query:
            return super().get(request, *args, **kwargs)
        with planned_for_its_words():
            return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.form.has_query:
            return Article.objects.none()
        data = self.form.cleaned_data
        tag = Tag.objects.filter(slug=data["tag"]).first() if data["tag"] else None
        if data["tag"] and tag is None:
            return Article.objects.none()
        articles = filter_articles(
            Article.objects.published(),
            section=data["section"],
            tag=tag,
            start=data["start"],
            end=data["end"],
        )
        return search_articles(articles.for_listing(), data["q"].strip())

    def paginate_queryset(self, queryset, page_size):
        paginator, page, results, is_paginated = super().paginate_queryset(queryset, page_size)
        text = self.form.cleaned_data["q"] if self.form.has_query else ""
        for article in results:
            article.snippet_html = render_snippet(
                article.snippet, text, standfirst=article.standfirst
            )
        return paginator, page, results, is_paginated

    def get_context_data(self, **kwargs):
        query = self.request.GET.copy()
        query.pop("page", None)
        return super().get_context_data(
            form=self.form,
            query=self.form.cleaned_data.get("q", "")
            if self.form.is_bound and self.form.is_valid()
            else "",
            page_query=query.urlencode(),
            **kwargs,
        )
