from django.core.paginator import Paginator
from django.utils.functional import cached_property

# Lists offer this many pages at most. Deeper pages would make the database walk past
# every row before them (OFFSET); the archive beyond is reached by search and its dates.
MAX_PAGES = 50


class CappedPaginator(Paginator):
    """A paginator that counts no further than the pages it offers: COUNT over a LIMITed
    subquery, which stays fast however long the archive grows. `counted` is something
    cheaper to count with as many rows as the list, when there is one."""

    def __init__(self, object_list, per_page, *args, counted=None, **kwargs):
        super().__init__(object_list, per_page, *args, **kwargs)
        self.counted = object_list if counted is None else counted

    @cached_property
    def count(self):
        # Unordered: which rows are counted does not matter, and sorting them would.
        return self.counted.order_by()[: self.per_page * MAX_PAGES].count()
