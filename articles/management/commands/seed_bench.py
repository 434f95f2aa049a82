"""Fill the database with a newspaper's decades of archive for benchmarks:
`manage.py seed_bench --articles 200000 --subscribers 100000`. Bulk inserts only (no
save(), no signals), so it takes minutes, not hours. Run it on an empty database."""

import random
from datetime import timedelta

from django.core.cache import cache
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, ArticleAuthor, Author, Section, TaggedArticle
from articles.progress import progress
from issues.models import Issue
from newsletter.models import Newsletter, Subscriber, Subscription

BATCH = 2000
SECTIONS = ["News", "Features", "International", "Workplace", "Culture", "Opinion", "Analysis"]
WORDS = (  # noqa: SIM905 - a paragraph of words reads better than a list
    "strike workers union pay rent council housing nurses teachers rail dockers "
    "picket ballot wages profits bosses government cuts protest march climate energy "
    "bills tenants landlords hospital school station port factory warehouse delivery "
    "drivers solidarity campaign victory dispute offer vote walkout occupation "
    "students pension inflation prices food bank benefits refugees border war peace "
    "election party leader minister budget tax wealth poverty water privatisation "
    "public services transport"
).split()


def sentence(rng, length):
    words = rng.choices(WORDS, k=length)
    return " ".join(words).capitalize()


class Command(BaseCommand):
    help = "Bulk-insert realistic articles and subscribers for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--subscribers", type=int, default=0)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *, articles, subscribers, seed, **options):
        rng = random.Random(seed)
        with transaction.atomic():
            self.seed_articles(rng, articles)
            self.seed_subscribers(subscribers)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # Plans for the new sizes, not the empty tables, and a visibility map for
                # index-only scans; otherwise autovacuum does it in the middle of a benchmark.
                cursor.execute("VACUUM ANALYZE")
        cache.clear()
        self.stdout.write(f"Seeded {articles} articles and {subscribers} subscribers.")

    def seed_articles(self, rng, count):
        sections = [
            Section.objects.get_or_create(
                slug=slugify(name), defaults={"name": name, "position": i}
            )[0]
            for i, name in enumerate(SECTIONS)
        ]
        # Tags and reporters grow with the archive up to a paper's numbers, so that their
        # pages are full at every size and a comparison of sizes measures the archive.
        authors = Author.objects.bulk_create(
            Author(name=f"Reporter {n}", slug=f"bench-reporter-{n}")
            for n in range(min(200, max(5, count // 1000)))
        )
        tags = Tag.objects.bulk_create(
            Tag(name=f"topic {n}", slug=f"topic-{n}") for n in range(min(500, max(5, count // 400)))
        )
        now = timezone.now()
        # One article every ~1.5 hours back through the years; a weekly print issue.
        span = timedelta(hours=1.5)
        issue_count = max(1, int(count * span / timedelta(days=7)) + 1)
        issues = Issue.objects.bulk_create(
            Issue(
                number=10_000 + n,
                publication_date=(now - timedelta(days=7 * n)).date(),
                status=Issue.Status.PUBLISHED,
            )
            for n in range(issue_count)
        )
        bar = progress(total=count, desc="articles", stdout=self.stdout)
        for start in range(0, count, BATCH):
            batch = []
            for n in range(start, min(count, start + BATCH)):
                published = now - span * n - timedelta(minutes=rng.randrange(60))
                headline = sentence(rng, rng.randint(5, 10))
                paragraphs = "".join(
                    f"<p>{sentence(rng, rng.randint(20, 40))}.</p>"
                    for _ in range(rng.randint(4, 8))
                )
                issue = issues[int((now - published) / timedelta(days=7))] if n % 3 == 0 else None
                batch.append(
                    Article(
                        headline=headline,
                        slug=f"{slugify(headline)[:180]}-{n}",
                        standfirst=sentence(rng, rng.randint(12, 20)) + ".",
                        body=paragraphs,
                        section=rng.choice(sections),
                        issue=issue,
                        print_page=rng.randint(1, 16) if issue else None,
                        status=Article.Status.PUBLISHED,
                        published_at=published,
                    )
                )
            created = Article.objects.bulk_create(batch)
            # bulk_create skips the links' save(), which copies Article.listed_at.
            ArticleAuthor.objects.bulk_create(
                ArticleAuthor(article=a, author=author, position=i, published_at=a.listed_at)
                for a in created
                for i, author in enumerate(rng.sample(authors, rng.choice((1, 1, 1, 2))))
            )
            TaggedArticle.objects.bulk_create(
                TaggedArticle(content_object=a, tag=tag, published_at=a.listed_at)
                for a in created
                for tag in rng.sample(tags, rng.randint(1, 4))
            )
            bar.update(len(batch))
        bar.close()

    def seed_subscribers(self, count):
        if not count:
            return
        newsletter, _ = Newsletter.objects.get_or_create(
            slug="breakfast-in-red", defaults={"name": "Breakfast in Red"}
        )
        now = timezone.now()
        bar = progress(total=count, desc="subscribers", stdout=self.stdout)
        for start in range(0, count, BATCH * 5):
            subscribers = Subscriber.objects.bulk_create(
                Subscriber(email=f"reader{n}@example.org", confirmed_at=now)
                for n in range(start, min(count, start + BATCH * 5))
            )
            Subscription.objects.bulk_create(
                Subscription(subscriber=s, newsletter=newsletter, status=Subscription.Status.ACTIVE)
                for s in subscribers
            )
            bar.update(len(subscribers))
        bar.close()
