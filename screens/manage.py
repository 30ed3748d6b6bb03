"""Manage environments: the ones the wizard made (`list`), and for the selected one `doctor`,
`export` and `remove` (with a confirmation), over the same engine functions as those commands."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, DataTable, Footer, Input, OptionList, Static
from textual.worker import Worker, WorkerState

from screens.base import TooSmall, WizardModal
from wizard import registry
from wizard.problems import InputError, RequestError

if TYPE_CHECKING:
    from screens.app import WizardApp

EXPORT_SUFFIX = {
    "pylock": "pylock.toml",
    "requirements": "requirements.txt",
    "answers": "answers.json",
    "environment-yml": "environment.yml",
    "dockerfile": "Dockerfile",
}


def _row(r: dict[str, Any]) -> tuple[str, ...]:
    return (
        r["path"],
        r.get("kind", "?"),
        r.get("python", "?"),
        registry.human_size(r["size_bytes"]) if r["present"] else "gone",
        r.get("last_outcome", "–"),
    )


def _problem(exc: InputError | RequestError) -> str:
    return exc.render() if isinstance(exc, InputError) else exc.message + (f" ({exc.hint})" if exc.hint else "")


def doctor_summary(env: str, machine: Any) -> str:
    """Run `doctor` on `env` (in a worker thread) and say what it found in a few lines."""
    from wizard.doctor import Doctor, open_environment
    from wizard.events import Check, Diagnosis, Event

    found: list[Event] = []
    path, python = open_environment(Path(env))
    code = Doctor(path, python, machine, found.append).run()
    checks = [e for e in found if isinstance(e, Check)]
    failed = [c.check for c in checks if not c.ok]
    lines = [f"doctor: {len(checks) - len(failed)} of {len(checks)} checks passed (exit code {code})"]
    lines += [f"  ✗ {name}" for name in failed[:5]]
    lines += [f"  {'✗' if d.severity == 'error' else '⚠'} {d.cause}" for d in found if isinstance(d, Diagnosis)][:3]
    return "\n".join(lines)


class ManageScreen(Screen[None]):
    """The environments the wizard made; c checks, e exports, r removes the selected one."""

    CSS_PATH = "manage.tcss"
    AUTO_FOCUS = "#environments"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "check", "Check (doctor)"),
        Binding("e", "export", "Export"),
        Binding("r", "remove", "Remove"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield TooSmall()
        yield Static("Manage environments", classes="step-title", markup=False)
        table: DataTable[str] = DataTable(id="environments", cursor_type="row", zebra_stripes=True)
        table.add_columns("environment", "kind", "Python", "size", "last run")
        yield table
        yield Static("", id="detail", markup=False)
        yield Static("", id="notice", markup=False)
        with Horizontal(classes="buttons"):
            for label, bid in (("Back", "back"), ("Check (c)", "check"), ("Export (e)", "export"), ("Remove (r)", "remove")):
                yield Button(label, id=bid, compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_rows()

    def refresh_rows(self, message: str | None = None) -> None:
        self.rows = registry.listing()
        table = self.query_one("#environments", DataTable)
        table.clear()
        for r in self.rows:
            table.add_row(*_row(r), key=r["path"])
        if not self.rows:
            self.query_one("#detail", Static).update("No environments yet: the wizard lists here the environments it makes.")
        self.say(message or "")

    def say(self, text: str) -> None:
        """What the last action did (or why it was refused), below the selected environment's details."""
        self.query_one("#notice", Static).update(Text(text))

    def selected(self) -> dict[str, Any] | None:
        table = self.query_one("#environments", DataTable)
        return self.rows[table.cursor_row] if self.rows and 0 <= table.cursor_row < len(self.rows) else None

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        r = self.selected()
        if r is not None:
            kernel = f"; Jupyter kernel {r['kernel']}" if r.get("kernel") else ""
            builds = ", ".join(f"{f} ({v})" for f, v in sorted(r.get("builds", {}).items())) or "no framework builds"
            self.query_one("#detail", Static).update(
                f"{builds}\nlast verified {r.get('last_verified', 'never')}{kernel}"
                + ("" if r["present"] else "\nThe folder is gone: Remove forgets it and its kernel.")
            )

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        await self.run_action(str(event.button.id))

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_check(self) -> None:
        r = self.selected()
        if r is None or not r["present"]:
            return
        self.say(f"Checking {r['path']} …")
        app = self.wizard
        machine = app.session.machine
        self.run_worker(
            lambda: doctor_summary(r["path"], machine or app.detect()), name="doctor", thread=True, exit_on_error=False
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "doctor":
            return
        if event.state is WorkerState.SUCCESS:
            self.say(str(event.worker.result))
        elif event.state is WorkerState.ERROR:
            err = event.worker.error
            self.say(_problem(err) if isinstance(err, (InputError, RequestError)) else f"doctor failed: {err}")

    def action_export(self) -> None:
        r = self.selected()
        if r is None or not r["present"]:
            return

        def wrote(written: str | None) -> None:
            if written:
                self.say(f"wrote {written}")

        self.app.push_screen(ExportScreen(r["path"]), wrote)

    def action_remove(self) -> None:
        from screens.dialogs import ConfirmScreen
        from wizard.remove import execute, plan_removal

        r = self.selected()
        if r is None:
            return
        try:
            removal = plan_removal(Path(r["path"]))
        except RequestError as exc:
            self.say(_problem(exc))
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                done = execute(removal)
            except (RequestError, OSError) as exc:
                self.refresh_rows(_problem(exc) if isinstance(exc, RequestError) else f"remove failed: {exc}")
                return
            self.refresh_rows("\n".join(done))

        question = "Remove these? This cannot be undone.\n" + "\n".join(f"• {line}" for line in removal.lines())
        self.app.push_screen(ConfirmScreen(question, yes="Remove", no="Keep"), confirmed)


class ExportScreen(WizardModal[str]):
    """Choose a format and a file; the export is written whole and never over an existing file."""

    CSS_PATH = "manage.tcss"
    AUTO_FOCUS = "#formats"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, env: str) -> None:
        super().__init__()
        self.env = env

    def compose(self) -> ComposeResult:
        yield from self.compose_too_small()
        with Vertical(classes="dialog"):
            yield Static(f"Export {self.env}", classes="question", markup=False)
            yield OptionList(*EXPORT_SUFFIX, id="formats")
            yield Input(self._default("pylock"), id="output")
            yield Static("", id="export-problem", classes="problem", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Cancel (Esc)", id="cancel", compact=True)
                yield Button("Export", id="write", variant="primary", compact=True)
        yield Footer()

    def _default(self, fmt: str) -> str:
        return f"{Path(self.env).name}-{EXPORT_SUFFIX[fmt]}"  # in the current folder, as a shell user expects

    def _format(self) -> str:
        index = self.query_one("#formats", OptionList).highlighted
        return list(EXPORT_SUFFIX)[index or 0]

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.query_one("#output", Input).value = self._default(self._format())

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_write()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_write()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_write() if event.button.id == "write" else self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_write(self) -> None:
        from wizard.export import export, write_export

        out = Path(self.query_one("#output", Input).value).expanduser()
        try:
            write_export(export(Path(self.env), self._format()), out, force=False)
        except (RequestError, InputError) as exc:
            self.query_one("#export-problem", Static).update(_problem(exc))
            return
        self.dismiss(str(out))
