"""Labelling projects, defined by the files beside this module and synced to the server by title.

A project is one XML label config (`configs/`), one guideline (`guidelines/`, Markdown, shown to
annotators as Label Studio's instructions), an overlap setting and, for a project whose answers
become labels, its scheme, fields and their measurement level: aggregation (`annotation.aggregate`)
and the loop (`annotation.loop`) iterate these specs, so a new aggregated project is a config, a
guideline, one entry in `PROJECTS` and a test. `sync_project` creates it or
brings the server's copy in line with the files, so running it twice changes nothing and editing
a file is the only way to change a project (edits made in the UI are overwritten). Each
warehouse has its own copy of each project, its identity in the title and description
(`annotation.ownership`).

Overlap: every task asks for `maximum_annotations` (3 by default, as in FriendsPersona)
annotations from distinct annotators, for 100% of tasks; Label Studio Community serves a task to
annotators until it has that many.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from markdown_it import MarkdownIt

from annotation.ownership import short_id
from schemas.tables import BIG5_TRAITS, MBTI_AXES

if TYPE_CHECKING:
    from annotation.client import LabelStudioClient

HERE = Path(__file__).resolve().parent
DEFAULT_OVERLAP = 3
TITLE_MAX = 50  # Label Studio's limit
MANAGED_NOTE = (
    "Managed by personality-warehouse (annotation/projects.py): edit the files in annotation/, "
    "not this project's settings."
)


@dataclass(frozen=True)
class ProjectSpec:
    """One labelling project as the repository defines it."""

    key: str
    title: str
    config: str
    guidelines: str
    maximum_annotations: int = DEFAULT_OVERLAP
    description: str = ""
    # A project whose answers are aggregated into `labels` rows: the scheme they are written
    # under, the fields (the label config's control names, one per trait) and how votes are
    # compared: `ordinal` -1/0/1 ratings or `nominal` poles of an `A/B` axis. None: the answers
    # are not labels (PII review spans).
    scheme: str | None = None
    fields: tuple[str, ...] = ()
    level: Literal["ordinal", "nominal"] | None = None

    @property
    def aggregated(self) -> bool:
        return self.scheme is not None

    def label_config(self) -> str:
        return (HERE / "configs" / self.config).read_text()

    def instructions_html(self) -> str:
        return guideline_html(HERE / "guidelines" / self.guidelines)

    def owned_title(self, owner: str) -> str:
        """The title on the server: the project's title and its warehouse's short id, so two
        warehouses sharing a server have a project each, and annotators can tell them apart."""
        title = f"{self.title} ({short_id(owner)})"
        if len(title) > TITLE_MAX:
            raise ValueError(f"project title {title!r} is longer than {TITLE_MAX} characters")
        return title

    def settings(self, owner: str) -> dict[str, Any]:
        """Everything `sync_project` keeps in line on the server."""
        return {
            "title": self.owned_title(owner),
            "description": f"{self.description} {MANAGED_NOTE} {owner_note(owner)}".strip(),
            "label_config": self.label_config(),
            "expert_instruction": self.instructions_html(),
            "show_instruction": True,
            "show_skip_button": True,
            "maximum_annotations": self.maximum_annotations,
            "overlap_cohort_percentage": 100,
        }


PROJECTS: dict[str, ProjectSpec] = {
    spec.key: spec
    for spec in (
        ProjectSpec(
            key="big5", title="Big Five of the author or main speaker",
            config="big5.xml", guidelines="big5.md",
            description="Rate one person on each Big Five trait: -1, 0 or 1 (FriendsPersona).",
            scheme="big5", fields=BIG5_TRAITS, level="ordinal",
        ),
        ProjectSpec(
            key="mbti", title="MBTI of the author or main speaker",
            config="mbti.xml", guidelines="mbti.md",
            description="One choice per MBTI axis, or can't tell.",
            scheme="mbti", fields=MBTI_AXES, level="nominal",
        ),
        ProjectSpec(
            key="pii_review", title="PII review of curated text",
            config="pii_review.xml", guidelines="pii_review.md",
            description="Mark identifiers the anonymiser missed, as spans.",
        ),
    )
}


# Projects whose answers become `labels` rows, in `PROJECTS` order.
LABEL_PROJECTS: tuple[str, ...] = tuple(key for key, spec in PROJECTS.items() if spec.aggregated)


def owner_note(owner: str) -> str:
    return f"warehouse_id: {owner}"


@cache
def _markdown() -> MarkdownIt:
    # Raw HTML in a guideline is escaped, not passed through: the instructions are shown inside
    # the labelling UI, so they must not be able to carry markup or scripts.
    return MarkdownIt("commonmark", {"html": False}).enable("table")


def guideline_html(path: Path) -> str:
    """A Markdown guideline rendered as the HTML Label Studio shows as instructions."""
    return _markdown().render(path.read_text())


@dataclass(frozen=True)
class SyncResult:
    key: str
    project_id: int
    created: bool
    changed: tuple[str, ...]


def find_project(client: LabelStudioClient, spec: ProjectSpec, owner: str) -> Any | None:
    """This warehouse's project for `spec`, or None. The title (with the short warehouse id) is
    the project's identity, and the description must name the same full id: a project of
    another warehouse whose id shares the short form is an error, never taken over, and so
    are two projects with the same title."""
    title = spec.owned_title(owner)
    found = client.call_list("list projects", client.sdk.projects.list, title=title)
    exact = [p for p in found if p.title == title]
    if len(exact) > 1:
        ids = ", ".join(str(p.id) for p in exact)
        raise RuntimeError(f"several Label Studio projects are titled {title!r} (ids {ids})")
    if exact and owner_note(owner) not in (exact[0].description or ""):
        raise RuntimeError(
            f"Label Studio project {exact[0].id} is titled {title!r} but its description does "
            f"not name {owner_note(owner)!r}: it belongs to another warehouse"
        )
    return exact[0] if exact else None


def sync_project(
    client: LabelStudioClient, spec: ProjectSpec, owner: str, project_id: int | None = None
) -> SyncResult:
    """Create this warehouse's project from its files, or update the fields that differ.
    `project_id` names the project to bring in line instead of looking it up by title (a
    project being adopted, whose title is not ours yet)."""
    wanted = spec.settings(owner)
    existing = (find_project(client, spec, owner) if project_id is None
                else client.call("get project", client.sdk.projects.get, project_id))
    if existing is None:
        created = client.call(f"create project {spec.key}", client.sdk.projects.create, **wanted)
        return SyncResult(spec.key, int(created.id), True, tuple(wanted))
    current = client.call(f"get project {spec.key}", client.sdk.projects.get, existing.id)
    changed = tuple(
        k for k, v in wanted.items() if _normalise(getattr(current, k, None)) != _normalise(v)
    )
    if changed:
        client.call(
            f"update project {spec.key}", client.sdk.projects.update, existing.id,
            **{k: wanted[k] for k in changed},
        )
    return SyncResult(spec.key, int(existing.id), False, changed)


def _normalise(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def sync_all(
    client: LabelStudioClient, owner: str, keys: list[str] | None = None
) -> dict[str, SyncResult]:
    """Sync every project (or the named ones); returns each one's id and what changed."""
    return {key: sync_project(client, PROJECTS[key], owner) for key in (keys or list(PROJECTS))}
