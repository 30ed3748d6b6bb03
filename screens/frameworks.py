"""Profiles and frameworks, each with the build it gets on this machine and why, plus
extra packages checked as PEP 508 while they are typed.

The build shown is the engine's own answer for that framework (`wizard.advice.framework_availability`,
the planner's choice of Python and build); what cannot run here is struck through with the reason.
"""

from __future__ import annotations

import msgspec
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from screens.base import FormScreen
from screens.choices import ChoiceList, MultiChoiceList
from wizard.advice import Availability, framework_availability
from wizard.answers import Answers, semantic_problems
from wizard.catalog import Catalog, expand

NO_PROFILE = "-"


def split_requirements(text: str) -> list[str]:
    """Comma-separated requirements, where commas inside extras (`a[b,c]`) or between specifiers
    (`rich>=13,<14`) do not split: a new entry starts with a letter or digit (or `-`, so a pip
    option typed here is reported as one)."""
    parts: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "," and depth <= 0 and (text[i + 1 :].lstrip()[:1].isalnum() or text[i + 1 :].lstrip()[:1] == "-"):
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def package_problems(answers: Answers, catalog: Catalog) -> list[str]:
    """The answers model's own PEP 508 checks, for the packages only."""
    return [p.message for p in semantic_problems(answers, catalog) if p.path.startswith("$.packages")]


class FrameworksScreen(FormScreen):
    CSS_PATH = "frameworks.tcss"

    available: dict[str, Availability]
    explicit: list[str]  # frameworks ticked one by one, in the order the answers list them

    # -- what the form says ---------------------------------------------------------------------------

    def profile(self) -> str | None:
        option = self.query_one("#profile", ChoiceList).highlighted_option
        return option.id if option is not None and option.id != NO_PROFILE else None

    def expanded(self) -> list[str]:
        return expand(self.wizard.session.catalog, self.profile(), self.explicit)

    def form_answers(self) -> Answers:
        packages = split_requirements(self.query_one("#packages", Input).value)
        return msgspec.structs.replace(
            self.wizard.session.answers, profile=self.profile(), frameworks=list(self.explicit), packages=packages
        )

    def profile_problem(self, pid: str) -> str | None:
        catalog = self.wizard.session.catalog
        for fid in expand(catalog, pid, []):
            problem = self.available[fid].problem
            if problem:
                return f"{catalog.frameworks[fid].title} cannot be installed here: {problem}"
        return None

    # -- composing and refreshing ---------------------------------------------------------------------

    def body(self) -> ComposeResult:
        catalog = self.wizard.session.catalog
        answers = self.wizard.session.answers
        machine = self.wizard.session.machine
        assert machine is not None, "the hardware screen comes first"
        self.available = {fid: framework_availability(fid, answers, machine, catalog) for fid in catalog.frameworks}
        self.explicit = list(answers.frameworks)
        profiles = [Option(Content("None: choose frameworks below"), id=NO_PROFILE)]
        for pid, prof in catalog.profiles.items():
            problem = self.profile_problem(pid)
            profiles.append(
                Option(
                    Content(prof.title + (" (cannot run here)" if problem else "")),
                    id=pid,
                    disabled=bool(problem) and pid != answers.profile,
                )
            )
        with Horizontal(classes="columns"):
            with Vertical(classes="choices"):
                yield Label("Profile")
                yield ChoiceList(*profiles, id="profile")
                yield Label("Frameworks (Space toggles)")
                yield MultiChoiceList(
                    *(Selection(Content(catalog.frameworks[fid].title), fid, id=fid) for fid in catalog.frameworks),
                    id="frameworks",
                )
            with Vertical(classes="side"):
                with VerticalScroll(classes="details-box"):
                    yield Static(id="details", markup=False)
                yield Label("Extra packages, comma-separated")
                yield Input(
                    ", ".join(answers.packages),
                    id="packages",
                    placeholder="e.g. rich>=13, uvicorn[standard]",
                    select_on_focus=False,
                )
                yield Static(id="packages-check", markup=False)

    def _prompt(self, fid: str) -> Content:
        """A tick mark that reads without colour, the title, the build it gets here, and why it is
        ticked when that is not the person's choice."""
        fw = self.wizard.session.catalog.frameworks[fid]
        avail = self.available[fid]
        if avail.problem:
            return Content.styled(f"✗ {fw.title:<12} unavailable", "dim strike")
        variant = avail.decision.variant if fw.builds and avail.decision else ""
        ticked = fid in self.expanded()
        tag = ""
        if fid not in self.explicit and ticked:
            profile = self.profile()
            tag = "profile" if profile and fid in self.wizard.session.catalog.profiles[profile].frameworks else "needed"
        return Content.assemble(f"{'✓' if ticked else '·'} {fw.title:<12} {variant:<7}", (tag, "italic dim"))

    def on_mount(self) -> None:
        self.query_one("#packages", Input).cursor_blink = self.wizard.cursor_blink
        profiles = self.query_one("#profile", ChoiceList)
        profiles.highlighted = profiles.get_option_index(self.wizard.session.answers.profile or NO_PROFILE)
        self.refresh_frameworks()
        self.refresh_packages()

    def refresh_frameworks(self) -> None:
        """Ticked = installed (chosen, in the profile, or needed by another). Options stay enabled so
        arrows reach each one and its build and reason show; toggles that cannot apply are undone."""
        lst = self.query_one("#frameworks", MultiChoiceList)
        expanded = set(self.expanded())
        with lst.prevent(SelectionList.SelectedChanged):
            for fid in self.wizard.session.catalog.frameworks:
                if fid in expanded:
                    lst.select(fid)
                else:
                    lst.deselect(fid)
                lst.replace_option_prompt(fid, self._prompt(fid))

    def refresh_packages(self) -> list[str]:
        problems = package_problems(self.form_answers(), self.wizard.session.catalog)
        check = self.query_one("#packages-check", Static)
        packages = split_requirements(self.query_one("#packages", Input).value)
        check.update(("✗ " + problems[0]) if problems else (f"✓ {len(packages)} extra package(s)" if packages else ""))
        check.set_class(bool(problems), "problem")
        check.set_class(not problems, "ok")
        return problems

    def show_framework(self, fid: str) -> None:
        catalog = self.wizard.session.catalog
        fw = catalog.frameworks[fid]
        avail = self.available[fid]
        lines = [f"{fw.title}: {fw.summary}", ""]
        if fid not in self.explicit and fid in self.expanded():
            profile = self.profile()
            if profile and fid in catalog.profiles[profile].frameworks:
                lines.append(f"Included by the profile {catalog.profiles[profile].title}.")
            else:
                needers = [catalog.frameworks[o].title for o in self.expanded() if fid in catalog.frameworks[o].needs]
                lines.append(f"Needed by {', '.join(needers)}.")
        if avail.problem:
            lines.append(f"Cannot be installed here: {avail.problem}")
        elif avail.decision:
            d = avail.decision
            lines.append(f"Build here: {d.variant}. {d.why}" if fw.builds else d.why)
            if d.index_url:
                lines.append(f"From {d.index_url}")
        self.query_one("#details", Static).update("\n".join(lines))

    def show_profile(self, pid: str | None) -> None:
        catalog = self.wizard.session.catalog
        if pid is None:
            text = "No profile: only the frameworks you tick below are installed."
        else:
            prof = catalog.profiles[pid]
            titles = ", ".join(catalog.frameworks[f].title for f in expand(catalog, pid, []))
            text = f"{prof.title}: {prof.summary}\n\nInstalls {titles}."
            problem = self.profile_problem(pid)
            if problem:
                text += f"\n\n{problem}"
        self.query_one("#details", Static).update(text)

    # -- events ---------------------------------------------------------------------------------------

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "profile":
            self.refresh_frameworks()
            self.show_profile(self.profile())

    def on_selection_list_selection_highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        if event.selection_list.has_focus:  # the list highlights its first entry on mount: not a choice
            self.show_framework(str(event.selection.value))

    def on_descendant_focus(self) -> None:
        lst = self.query_one("#frameworks", MultiChoiceList)
        option = lst.highlighted_option
        if lst.has_focus and option is not None and option.id:
            self.show_framework(option.id)

    def on_selection_list_selection_toggled(self, event: SelectionList.SelectionToggled) -> None:
        fid = str(event.selection.value)
        if fid in self.explicit:
            self.explicit.remove(fid)
        elif self.available[fid].problem:
            self.notify(
                f"{self.wizard.session.catalog.frameworks[fid].title} cannot be installed here: {self.available[fid].problem}",
                severity="warning",
            )
        elif fid in self.expanded():
            self.notify("Included by the profile or needed by another framework: change those to drop it.", severity="warning")
        else:
            self.explicit.append(fid)
        self.refresh_frameworks()
        self.show_framework(fid)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.refresh_packages()

    def form_problem(self) -> str | None:
        packages = self.refresh_packages()
        if packages:
            self.query_one("#packages", Input).focus()
            return packages[0]
        expanded = self.expanded()
        if not expanded and not self.form_answers().packages:
            self.query_one("#profile", ChoiceList).focus()
            return "Choose a profile, a framework or an extra package."
        for fid in expanded:
            problem = self.available[fid].problem
            if problem:
                return f"{self.wizard.session.catalog.frameworks[fid].title} cannot be installed here: {problem}"
        return None
