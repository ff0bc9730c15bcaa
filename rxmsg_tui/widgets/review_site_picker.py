"""The store's review sites beside an Email Customer Review format, to insert one from."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import OptionList
from textual.widgets.option_list import Option

from rxmsg_tui.services.formats.review_sites import ReviewSiteRow


class ReviewSitePicker(OptionList):
    """Lists the sites with the default marked; the editor inserts the highlighted one."""

    DEFAULT_CSS = """
    ReviewSitePicker {
        height: auto;
        max-height: 7;
        border: round $primary;
        border-title-style: bold;
        padding: 0;
        scrollbar-size-vertical: 1;
    }
    """

    def __init__(self, *, hint: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        self.sites: list[ReviewSiteRow] = []
        self.border_title = "Review Sites"
        self.border_subtitle = hint
        """The keys that insert a site, as the screen using the list binds them."""

    def show_sites(self, sites: Sequence[ReviewSiteRow]) -> None:
        self.sites = list(sites)
        self.clear_options()
        for site in self.sites:
            mark = " (default)" if site.is_default else ""
            self.add_option(Option(f"{site.name}{mark}", id=str(site.id)))
        if not self.sites:
            self.add_option(Option("None yet: add them in Review Sites", disabled=True))
        self.highlighted = 0 if self.sites else None

    @property
    def highlighted_site(self) -> ReviewSiteRow | None:
        index = self.highlighted
        return self.sites[index] if index is not None and index < len(self.sites) else None
