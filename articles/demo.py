"""Demo content for a fresh site: three print issues, thirty published articles (one
with a correction), a draft and one waiting for subbing, written for this project (the
places, firms and people are invented).

`load_demo()` is what `manage.py load_demo` runs. The pictures are drawn with Pillow, so
the demo needs nothing from outside the repository.
"""

import io
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from articles.images import make_renditions
from articles.models import (
    Article,
    ArticleAuthor,
    Author,
    Correction,
    Photo,
    Section,
    Sidebar,
)
from articles.progress import progress
from issues.models import Issue

SECTIONS = [
    ("News", "news", "What happened this week, and who is fighting back."),
    ("International", "international", "Revolt and repression around the world."),
    ("Workplace", "workplace", "Strikes, ballots and organising at work."),
    ("Features", "features", "Longer reads, history and ideas."),
    ("Environment", "environment", "Climate, pollution and the fight for a livable planet."),
]

AUTHORS = {
    "maya": ("Maya Okafor", "Maya covers industrial disputes and has reported from picket "
             "lines in every region of the country."),
    "tom": ("Tom Brennan", "Tom is the paper's international editor. He writes about "
            "protest movements and the powers that try to crush them."),
    "priya": ("Priya Sandhu", "Priya writes features on history, culture and the ideas "
              "behind the movements of today."),
    "dan": ("Dan Kowalski", "Dan is a former bus driver and union rep who now reports on "
            "workplace organising."),
    "ruth": ("Ruth Adeyemi", "Ruth reports on climate, housing and the places where the "
             "two collide."),
    "sean": ("Sean Gallagher", "Sean is a news reporter who follows councils, courts "
             "and the police."),
}  # fmt: skip

# Pictures drawn for the demo: colours top and bottom, a motif, then the words readers get.
PHOTOS = {
    "port": ((24, 40, 72), (214, 96, 40), "cranes",
             "Illustration: dark crane shapes against an orange dawn sky over a harbour",
             "Dockers gathered at the gates of the port at first light", "Demo Studio/Pillow"),
    "crowd": ((120, 20, 30), (240, 170, 60), "crowd",
              "Illustration: rows of small round heads below a red and gold sky",
              "Thousands marched through the city centre", "Demo Studio/Pillow"),
    "skyline": ((30, 30, 60), (90, 120, 200), "skyline",
                "Illustration: a city skyline of dark blocks under a blue evening sky",
                "Tower blocks on the estate at dusk", "Demo Studio/Pillow"),
    "sun": ((250, 200, 80), (200, 60, 40), "sun",
            "Illustration: a large pale sun sinking into a red haze",
            "A heatwave hit the south for the third summer running", "Demo Studio/Pillow"),
    "banner": ((200, 30, 40), (60, 10, 20), "banner",
               "Illustration: a wide white banner with red stripes above a dark strip of ground",
               "Strikers carried their union banner to the rally", "Demo Studio/Pillow"),
    "waves": ((10, 60, 90), (80, 170, 190), "waves",
              "Illustration: pale curved lines like waves across a blue-green sea",
              "The bay where sewage was pumped into the sea", "Demo Studio/Pillow"),
    "flags": ((240, 230, 210), (160, 40, 40), "flags",
              "Illustration: a line of small triangular flags across a cream and red sky",
              "Flags lined the route of the solidarity march", "Demo Studio/Pillow"),
    "portrait": ((70, 50, 90), (170, 140, 190), "sun",
                 "Illustration: a soft pale circle on a purple background",
                 "Placeholder portrait", "Demo Studio/Pillow"),
}  # fmt: skip

FLAGSHIP = {
    "headline": "Dockers shut the port of Eastmere as pay revolt spreads",
    "standfirst": "A walkout over a 2 percent offer has stopped every crane on the "
    "estuary, and drivers and cleaners are lining up behind it",
    "section": "news",
    "authors": ["maya", "dan"],
    "photo": "port",
    "tags": ["Eastmere", "Dockers", "Strikes", "Pay"],
    "issue": 0,
    "print_page": 1,
    "body": """
<p>Not a single container moved through the port of Eastmere on Monday. Some 1,400
dockers walked out at six in the morning, and by noon the queue of lorries stretched
back eleven miles along the estuary road.</p>
<p>The strike is over pay. Northline Ports, which runs the terminal, offered a rise of
2 percent while prices in the shops rose by more than three times that. The union's
ballot returned a 91 percent vote for action on a turnout of 87 percent.</p>
<p>Crane driver Aisha Lund has worked at the port for 19 years. “They made record profits
last year and paid the shareholders first,” she said. “We moved every one of those boxes.
We're not asking for a favour, we're asking for what we've earned.”</p>
<blockquote><p>They can move their money offshore in a second. They can't move a ship
without us.</p></blockquote>
<p>Northline's chief executive called the strike “deeply irresponsible” and warned of
shortages in the shops. Strikers answered that the company had <em>created</em> the
shortage by refusing to negotiate for six weeks.</p>
<p>The mood on the picket line was confident. Lorry drivers sounded their horns as they
passed, and several stopped to hand over food and flasks of tea.</p>
<p>Cleaners employed by an outside contractor at the terminal have now called a ballot
of their own. They earn barely above the minimum wage and say they were left out of
every deal for a decade. <strong>Their ballot closes next Friday.</strong></p>
<p>Union branch secretary Kofi Marsh said the two disputes should run together. “If the
cleaners come out, we stay out until they win too. That's what a union is for.”</p>
<p>The company has threatened to bring in agency staff to break the strike. That would
be against the law, but pickets say they will be at the gates around the clock just in
case.</p>
<p>Messages of support have arrived from dockers in Rotterdam and Antwerp, who have said
they will not unload any ship diverted from Eastmere.</p>
""",
    "sidebars": [
        (
            "Who profits from the port",
            """
<p>Northline Ports was sold to a private equity fund in 2019 for £1.2 billion, most of
it borrowed against the port itself.</p>
<p>Since then the fund has taken out £340 million in dividends and fees. The interest on
the debt is paid by the port, which means it is paid out of dockers' wages.</p>
<p>The fund's three directors were paid a combined £9 million last year.</p>
<p>Over the same period the number of permanent jobs at the terminal fell by a fifth,
replaced by agency contracts that pay less and can be ended with a day's notice.</p>
<p>The company's annual report calls this “a leaner operating model”.</p>
""",
        ),
        (
            "How to show support",
            """
<p>Collections for the strike fund are being organised in workplaces across the
region. Visitors are welcome on the picket line at the main gate from 6am.</p>
<p>A solidarity rally is planned for Saturday at noon in Market Square.</p>
""",
        ),
    ],
}


@dataclass
class Story:
    section: str
    author: str
    headline: str
    standfirst: str
    opening: str
    detail: str
    quote: str
    speaker: str
    tags: tuple[str, ...]


STORIES = [
    Story("news", "sean", "Council plans to close four libraries in Harrowfield",
          "Campaigners say the cuts will hit children and older people hardest",
          "Harrowfield council has published plans to close four of its eleven libraries "
          "by the spring.", "The branches earmarked for closure are all on estates where "
          "fewer households have internet access at home.",
          "A library is the one warm place you can sit all day without buying anything.",
          "Jean Farley, Save Our Libraries campaign", ("Cuts", "Libraries")),
    Story("news", "sean", "Tenants win rent freeze after month-long protest",
          "Residents of the Caldwell estate forced their landlord into a climbdown",
          "Tenants on the Caldwell estate celebrated on Thursday after their landlord "
          "agreed to freeze rents for two years.", "The protest began when residents "
          "received letters announcing a 14 percent rise with four weeks' notice.",
          "We knocked on every door. Once people saw they weren't alone, they got brave.",
          "Marcus Oyelaran, tenants' association", ("Housing", "Tenants")),
    Story("news", "ruth", "Hospital car park charges return for staff",
          "Nurses face paying up to £60 a month to park at work",
          "Staff at St Aldric's hospital will have to pay to park again from next month.",
          "The charges were scrapped during the pandemic and never reintroduced until now. "
          "Night-shift workers say there is no public transport that gets them home.",
          "It's a pay cut by another name.",
          "Helen Park, staff nurse", ("NHS", "Pay")),
    Story("news", "maya", "Energy bills: pensioners rally at the town hall",
          "More than 500 people demanded action on fuel poverty",
          "Pensioners filled the steps of Wexborough town hall on Tuesday to protest "
          "against rising energy bills.", "A survey by the local pensioners' forum found "
          "that one in three members had gone without heating on at least one day last "
          "winter.", "We built this country. We shouldn't have to choose between eating "
          "and heating.", "Doreen Walsh, 78", ("Energy", "Pensioners")),
    Story("news", "sean", "Police spied on climate group for three years",
          "Documents reveal an officer posed as a volunteer",
          "An undercover police officer spent three years inside a local climate group, "
          "documents released after a court case show.", "The officer attended meetings, "
          "helped organise protests and formed close friendships with members.",
          "We trusted him with everything. It makes you wonder what else they are doing.",
          "A member of Coast Climate Action", ("Police", "Climate")),
    Story("news", "ruth", "School cleaners vote to join union en masse",
          "Outsourced staff across 30 schools want their jobs brought back in-house",
          "Almost every cleaner employed by a private contractor across 30 schools has "
          "joined a union in the past month.", "They are paid less than cleaners employed "
          "directly by the council and get no sick pay for the first three days off.",
          "We clean the same corridors. Why should we get less?",
          "Fatima Nouri, school cleaner", ("Schools", "Outsourcing", "Unions")),
    Story("international", "tom", "General strike paralyses the capital of Valdoria",
          "Transport, schools and ports shut down as unions defy emergency laws",
          "A 48-hour general strike brought the capital of Valdoria to a halt this week.",
          "The government had declared strikes in essential services illegal, but the "
          "union federation called the walkout regardless.",
          "They can arrest a leader. They cannot arrest a million of us.",
          "A striking tram driver", ("Valdoria", "General strike")),
    Story("international", "tom", "Farmers block motorways in protest at price squeeze",
          "Supermarket chains stand accused of paying less than the cost of production",
          "Tractors blocked three motorways across the border region on Wednesday.",
          "Small farmers say the prices paid by the big retail chains have fallen for five "
          "years in a row while their costs have soared.",
          "We feed the country and we can't feed our families.",
          "Elena Marsh, dairy farmer", ("Farming", "Protests")),
    Story("international", "tom", "Students occupy universities over fees hike",
          "Occupations have spread to nine campuses in a week",
          "Students have occupied buildings at nine universities in protest at plans to "
          "triple tuition fees.", "The occupations began at the Polytechnic of San "
          "Lorient and spread within days.", "Education is a right, not a product on a "
          "shelf.", "Student assembly statement", ("Students", "Education")),
    Story("international", "priya", "Garment workers win first union contract",
          "A two-year campaign at the Delta Mills factories ends in victory",
          "Workers at the Delta Mills garment factories have signed their first union "
          "contract after a two-year campaign.", "The deal includes a 22 percent pay rise, "
          "paid maternity leave and an independent safety committee.",
          "When we started, they fired the organisers. Now they have to sit at the "
          "table with us.", "Rina Akter, union organiser", ("Garment workers", "Unions")),
    Story("international", "tom", "Water privatisation plan dropped after mass protests",
          "The government backed down after weeks of demonstrations",
          "The government has dropped its plan to sell the national water company.",
          "Protests against the sale had grown every week since the summer, with "
          "neighbourhood committees organising in every major city.",
          "Water belongs to the people who drink it.",
          "Neighbourhood committee banner", ("Water", "Privatisation")),
    Story("international", "tom", "Refugees on hunger strike at detention centre",
          "Detainees say they have been held for months without charge",
          "Around 60 detainees at the Kerrow detention centre have refused food for a week.",
          "Lawyers say some have been held for more than six months without any decision "
          "on their claims.", "We are not criminals. We came here to be safe.",
          "A detainee, by phone", ("Refugees", "Detention")),
    Story("workplace", "dan", "Bin workers stay out as strike enters its sixth week",
          "Rubbish piles up as the council refuses to improve its offer",
          "Bin workers in Castleford Vale have entered the sixth week of their strike.",
          "The dispute is over a new pay grading scheme that would cut some drivers' "
          "wages by up to £4,000 a year.", "Every week we stay out, more people come and "
          "tell us to keep going.", "Gary Pike, bin lorry driver", ("Bin strike", "Councils")),
    Story("workplace", "maya", "Warehouse workers walk out over heat",
          "Temperatures inside the distribution centre topped 34 degrees",
          "Workers at a distribution centre near Morrowby walked out on Friday after "
          "temperatures inside reached 34 degrees.", "They say managers refused to open "
          "the loading bay doors for ventilation because it would slow the count.",
          "Two people fainted before lunch. Enough is enough.",
          "A picker on the night shift", ("Warehouses", "Health and safety")),
    Story("workplace", "dan", "Teachers ballot for action over workload",
          "Staff say they work an average of 54 hours a week",
          "Teachers across the county are being balloted for strikes over workload.",
          "A union survey found staff work an average of 54 hours a week, with most of the "
          "extra time spent on data entry and paperwork.",
          "I became a teacher to teach, not to fill in spreadsheets.",
          "Amira Cole, primary teacher", ("Teachers", "Ballots")),
    Story("workplace", "maya", "Rail cleaners win living wage after three strikes",
          "The contractor conceded hours before a fourth walkout",
          "Cleaners on the Northern Belt line have won the living wage.",
          "The contractor gave way hours before a fourth strike was due to begin, "
          "having insisted for months that it could not afford a rise.",
          "We proved that the money was always there.",
          "Joseph Mensah, rail cleaner", ("Rail", "Living wage")),
    Story("workplace", "dan", "Delivery riders organise against pay-per-drop cuts",
          "App-based couriers say earnings have fallen by a third",
          "Hundreds of delivery riders logged off their apps on Saturday night in protest "
          "at cuts to pay per drop.", "Riders say their earnings have fallen by a third in "
          "a year once fuel and phone costs are taken into account.",
          "The app calls us partners. Partners get a say.",
          "A rider at the Saturday protest", ("Gig economy", "Couriers")),
    Story("workplace", "maya", "Care workers demand sick pay from day one",
          "A petition signed by 8,000 care staff is handed to the council",
          "Care workers delivered a petition with 8,000 signatures to the council on "
          "Monday.", "Most care staff in the area get no sick pay for the first three days "
          "of illness, which means many work while ill.",
          "We look after the most vulnerable people. We can't afford to be ill.",
          "Grace Odum, home care worker", ("Care", "Sick pay")),
    Story("features", "priya", "The forgotten strike that won the weekend",
          "A century ago, mill workers walked out for a half day on Saturdays",
          "It is easy to think the weekend was always there.",
          "In fact it was won, town by town, by workers who refused to work Saturday "
          "afternoons until the owners gave way.",
          "They told us the mills would close. They didn't, and we got our Saturdays.",
          "From a 1921 interview with a weaver", ("History", "Working hours")),
    Story("features", "priya", "What the housing crisis looks like from a waiting list",
          "Twelve thousand households are waiting for a council home in one borough",
          "Sana has been on the council housing list for nine years.",
          "She lives with her three children in a one-bedroom flat with damp in every "
          "room, and she is one of twelve thousand households waiting.",
          "They tell me I'm a priority. I've been a priority for nine years.",
          "Sana, mother of three", ("Housing", "Council homes")),
    Story("features", "priya", "Songs of struggle: a short history of the picket line choir",
          "From the miners' wives to today's strikers, music has kept spirits up",
          "Every long strike needs something to keep people going through the cold "
          "mornings.", "For many it has been singing, from hymns rewritten with new words "
          "to songs made up on the spot.", "When you sing together you stop feeling "
          "like you're on your own.", "Bernadette Lyle, choir leader", ("Culture", "Music")),
    Story("features", "tom", "Why the rich are getting richer",
          "Profits, not wages, are driving prices up",
          "For two years we have been told that rising wages would cause inflation.",
          "But the figures tell a different story: company profits have risen far faster "
          "than pay, and the biggest firms have raised prices well above their costs.",
          "It was never a wage-price spiral. It was a profit-price spiral.",
          "An economist at the Centre for Labour Research", ("Economy", "Inflation")),
    Story("features", "priya", "Reading list: books for a winter of discontent",
          "Five books that explain how strikes are won",
          "Long evenings are good for reading, and this winter there is plenty to learn.",
          "We asked strikers, organisers and historians which books they would hand to "
          "someone on their first picket line.", "Read about the past so you don't have "
          "to reinvent the wheel on the picket line.", "A retired shop steward",
          ("Books", "Strikes")),
    Story("features", "ruth", "The town that took back its buses",
          "Twenty years after privatisation, services are run by the council again",
          "When the last private operator pulled out of Dunmere, the council stepped in.",
          "Three years on, fares are lower, more routes run in the evening and the drivers "
          "are paid more than before.", "It turns out buses work better when they're run "
          "for passengers.", "Lynn Carver, bus passengers' group", ("Transport", "Buses")),
    Story("environment", "ruth", "Sewage dumped into bay on 200 days last year",
          "Swimmers and fishermen demand the water company is held to account",
          "Raw sewage was pumped into Selby Bay on more than 200 days last year.",
          "The water company paid its shareholders £180 million over the same period, "
          "and has been fined less than a tenth of that.",
          "My grandchildren can't swim where I swam as a boy.",
          "Alan Teague, retired fisherman", ("Sewage", "Water")),
    Story("environment", "ruth", "Heatwave exposes workers with no protection",
          "There is still no maximum working temperature in law",
          "As temperatures passed 35 degrees this week, many people were still expected "
          "to work as normal.", "There is no maximum working temperature in law, and "
          "unions say employers routinely ignore the guidance that exists.",
          "If it's too hot for the office, it's too hot for the scaffold.",
          "Deepak Rao, scaffolder", ("Heatwave", "Health and safety")),
    Story("environment", "ruth", "Airport expansion approved despite climate pledge",
          "Campaigners vow to fight the decision in the courts",
          "Ministers have approved a second runway at Fenwick airport.",
          "The decision comes a year after the government promised to put climate at the "
          "heart of every planning decision.", "You cannot cut emissions and build "
          "runways at the same time.", "Stop Fenwick Expansion", ("Aviation", "Climate")),
    Story("environment", "maya", "Oil workers and climate activists make common cause",
          "A meeting in Aberhaven asks how jobs can survive the end of oil",
          "Oil workers and climate campaigners met in Aberhaven at the weekend.",
          "The meeting asked how the region could keep skilled jobs as the oil fields "
          "close, and who should pay for the change.",
          "We're not against climate action. We're against being thrown on the scrapheap.",
          "Stuart Reid, offshore worker", ("Oil", "Just transition", "Climate")),
    Story("environment", "ruth", "Estate residents fight incinerator plan",
          "The plant would burn 300,000 tonnes of waste a year beside a primary school",
          "Residents of the Millbrook estate have launched a campaign against a planned "
          "waste incinerator.", "The site is 200 metres from a primary school, and the "
          "estate already has some of the worst air quality in the city.",
          "They'd never build it next to a golf course.",
          "Precious Adu, parent", ("Pollution", "Incinerators")),
]  # fmt: skip

SECTION_CLOSERS = {
    "news": "Campaigners have called a public meeting for next week and say the fight is "
    "far from over.",
    "international": "Solidarity messages have poured in from unions abroad, and supporters "
    "here plan a protest at the embassy.",
    "workplace": "The union says further action is planned if there is no improved offer.",
    "features": "It is a reminder that nothing we have was given freely: it was won.",
    "environment": "Campaigners say they will keep up the pressure until the decision is reversed.",
}

STORY_PHOTOS = {
    "news": "crowd",
    "international": "flags",
    "workplace": "banner",
    "features": "skyline",
    "environment": "waves",
}

DRAFT = {
    "headline": "Draft: strike ballot result due on Thursday",
    "standfirst": "An article still being written, to try the preview link",
    "body": "<p>This story is not finished yet.</p>",
}

FOR_SUBBING = {
    "headline": "Care workers plan county-wide walkout",
    "standfirst": "A story the writer has finished, waiting for a sub-editor",
    "body": "<p>Care workers in three towns will decide next week whether to walk out.</p>",
}


def story_body(story: Story) -> str:
    return (
        f"<p>{story.opening}</p><p>{story.detail}</p>"
        f"<blockquote><p>{story.quote}</p></blockquote><p>Said {story.speaker}.</p>"
        f"<p>{SECTION_CLOSERS[story.section]}</p>"
    )


def draw_picture(top, bottom, motif, size=(1600, 1000)) -> bytes:
    """A gradient sky with simple shapes: clearly an illustration, but with the
    proportions and weight of a news photograph."""
    width, height = size
    mask = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), mask)
    draw = ImageDraw.Draw(image)
    dark = tuple(c // 4 for c in top)
    if motif == "cranes":
        for x in range(150, width, 380):
            draw.rectangle([x, height * 0.35, x + 30, height], fill=dark)
            draw.polygon(
                [(x - 120, height * 0.35), (x + 260, height * 0.3), (x + 260, height * 0.36)],
                fill=dark,
            )
        draw.rectangle([0, height * 0.85, width, height], fill=dark)
    elif motif == "crowd":
        for row in range(4):
            y = height * 0.7 + row * 70
            for x in range(-20 + row * 25, width, 55):
                draw.ellipse([x, y, x + 44, y + 44], fill=dark)
    elif motif == "skyline":
        x = 0
        for n in range(24):
            block = 50 + (n * 37) % 90
            top_y = height * (0.3 + (n * 13 % 40) / 100)
            draw.rectangle([x, top_y, x + block, height], fill=dark)
            x += block + 8
    elif motif == "sun":
        r = height // 4
        draw.ellipse(
            [width / 2 - r, height / 2 - r, width / 2 + r, height / 2 + r], fill=(255, 240, 210)
        )
    elif motif == "banner":
        draw.rectangle(
            [width * 0.1, height * 0.25, width * 0.9, height * 0.55], fill=(250, 245, 240)
        )
        for n in range(3):
            y = height * (0.3 + n * 0.08)
            draw.rectangle([width * 0.15, y, width * 0.85, y + 25], fill=top)
        draw.rectangle([0, height * 0.75, width, height], fill=dark)
    elif motif == "waves":
        for n in range(12):
            y = height * 0.35 + n * 50
            draw.arc([-100, y, width + 100, y + 200], 200, 340, fill=(220, 240, 245), width=6)
    elif motif == "flags":
        draw.line([0, height * 0.3, width, height * 0.4], fill=dark, width=5)
        for n, x in enumerate(range(40, width, 120)):
            y = height * 0.3 + height * 0.1 * x / width
            draw.polygon([(x, y), (x + 70, y), (x + 35, y + 90)], fill=dark if n % 2 else bottom)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()  # fmt: skip


def make_photo(key: str) -> Photo:
    top, bottom, motif, alt_text, caption, credit = PHOTOS[key]
    picture = ContentFile(draw_picture(top, bottom, motif), name=f"demo-{key}.jpg")
    photo = Photo.objects.create(image=picture, alt_text=alt_text, caption=caption, credit=credit)
    make_renditions(photo)
    return photo


def published_time(day, minutes: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(6, 0))) + timedelta(minutes=minutes)


def add_article(*, authors, tags, sidebars=(), **fields) -> Article:
    article = Article.objects.create(**fields)
    for position, author in enumerate(authors):
        ArticleAuthor.objects.create(article=article, author=author, position=position)
    article.tags.add(*tags)
    for position, (heading, body) in enumerate(sidebars):
        Sidebar.objects.create(article=article, heading=heading, body=body, position=position)
    return article


@transaction.atomic
def load_demo(*, stdout=None) -> bool:
    """Load the demo content into an empty site. Returns False, changing nothing, when
    there are articles already: demo content never mixes with real content. Progress
    goes to `stdout` when it is a terminal."""
    if Article.objects.exists():
        return False

    sections = {
        slug: Section.objects.get_or_create(
            slug=slug, defaults={"name": name, "description": text, "position": n}
        )[0]
        for n, (name, slug, text) in enumerate(SECTIONS)
    }
    photos = {key: make_photo(key) for key in progress(PHOTOS, desc="photos", stdout=stdout)}
    authors = {
        key: Author.objects.create(name=name, bio=bio, photo=photos["portrait"])
        for key, (name, bio) in AUTHORS.items()
    }
    today = timezone.localdate()
    issue_dates = [today - timedelta(days=days) for days in (1, 8, 15)]
    issues = [
        Issue.objects.create(
            number=2803 - n,
            publication_date=day,
            status=Issue.Status.PUBLISHED,
            cover_photo=photos["banner" if n else "port"],
        )
        for n, day in enumerate(issue_dates)
    ]

    add_article(
        headline=FLAGSHIP["headline"],
        standfirst=FLAGSHIP["standfirst"],
        body=FLAGSHIP["body"].strip(),
        section=sections[FLAGSHIP["section"]],
        issue=issues[FLAGSHIP["issue"]],
        print_page=FLAGSHIP["print_page"],
        lead_photo=photos[FLAGSHIP["photo"]],
        status=Article.Status.PUBLISHED,
        published_at=published_time(issue_dates[0], 300),  # the lead story: newest of all
        authors=[authors[key] for key in FLAGSHIP["authors"]],
        tags=FLAGSHIP["tags"],
        sidebars=[(heading, body.strip()) for heading, body in FLAGSHIP["sidebars"]],
    )

    for n, story in enumerate(progress(STORIES, desc="articles", stdout=stdout)):
        # Most stories were in one of the three issues; every fourth is web-only.
        in_print = n % 4 != 3
        issue_index = n % 3
        day = issue_dates[issue_index] if in_print else today - timedelta(days=n % 14 + 1)
        add_article(
            headline=story.headline,
            standfirst=story.standfirst,
            body=story_body(story),
            section=sections[story.section],
            issue=issues[issue_index] if in_print else None,
            print_page=(n // 3) + 2 if in_print else None,
            lead_photo=photos[STORY_PHOTOS[story.section]] if n % 2 == 0 else None,
            status=Article.Status.PUBLISHED,
            published_at=published_time(day, 10 + n * 7),
            authors=[authors[story.author]],
            tags=story.tags,
            sidebars=[("Background", f"<p>{story.detail}</p>")] if n % 5 == 0 else (),
        )

    add_article(
        **DRAFT,
        section=sections["workplace"],
        status=Article.Status.DRAFT,
        authors=[authors["dan"]],
        tags=["Ballots"],
    )
    add_article(
        **FOR_SUBBING,
        section=sections["workplace"],
        status=Article.Status.SUBBING,
        authors=[authors["dan"]],
        tags=["Care"],
    )
    corrected = Article.objects.published().exclude(issue=None).newest_first()[1]
    Correction.objects.create(
        article=corrected,
        kind=Correction.Kind.CORRECTION,
        text="An earlier version of this article gave the wrong date for the ballot.",
    )
    return True
