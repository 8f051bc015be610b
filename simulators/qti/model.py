"""A QTI 3 assessment item as the scorer sees it: declarations, interactions, feedback and the
response-processing tree, read once from the item's XML (:mod:`.parse`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

QTI_NS = "http://www.imsglobal.org/xsd/imsqtiasi_v3p0"
SCHEMA_LOCATION = (
    f"{QTI_NS} https://purl.imsglobal.org/spec/qti/v3p0/schema/xsd/imsqti_asiv3p0_v1p0.xsd"
)
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
TEMPLATE_BASE = "https://purl.imsglobal.org/spec/qti/v3p0/rptemplates/"


@dataclass(frozen=True, slots=True)
class MapEntry:
    key: str
    value: float
    case_sensitive: bool = True


@dataclass(frozen=True, slots=True)
class Mapping:
    entries: tuple[MapEntry, ...]
    default: float = 0.0
    lower_bound: float | None = None
    upper_bound: float | None = None


@dataclass(frozen=True, slots=True)
class AreaMapEntry:
    shape: str  # circle | rect | poly | ellipse | default
    coords: tuple[float, ...]
    value: float


@dataclass(frozen=True, slots=True)
class AreaMapping:
    entries: tuple[AreaMapEntry, ...]
    default: float = 0.0
    lower_bound: float | None = None
    upper_bound: float | None = None


@dataclass(frozen=True, slots=True)
class ResponseDeclaration:
    identifier: str
    cardinality: str
    base_type: str | None
    correct: tuple[str, ...] = ()
    mapping: Mapping | None = None
    area_mapping: AreaMapping | None = None


@dataclass(frozen=True, slots=True)
class OutcomeDeclaration:
    identifier: str
    cardinality: str
    base_type: str | None
    default: tuple[str, ...] = ()
    normal_maximum: float | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    identifier: str
    text: str
    match_max: int | None = None


@dataclass(frozen=True, slots=True)
class Interaction:
    kind: str  # the TimeBack item type: choice, text-entry, order, match, ...
    response_identifier: str
    prompt: str = ""
    max_choices: int | None = None
    expected_length: int | None = None
    #: choices (choice, order, inline-choice) or, for match, the first set then the second
    choices: tuple[Choice, ...] = ()
    targets: tuple[Choice, ...] = ()


@dataclass(frozen=True, slots=True)
class Feedback:
    """A modal, inline or block feedback element: shown when its outcome holds (``show``) or
    lacks (``hide``) its identifier."""

    outcome_identifier: str
    identifier: str
    show_hide: str
    content: str
    title: str = ""
    classes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedItem:
    identifier: str
    title: str
    adaptive: bool
    time_dependent: bool
    responses: tuple[ResponseDeclaration, ...]
    outcomes: tuple[OutcomeDeclaration, ...]
    interactions: tuple[Interaction, ...]
    modal_feedback: tuple[Feedback, ...] = ()
    feedback_inline: tuple[Feedback, ...] = ()
    feedback_block: tuple[Feedback, ...] = ()
    #: the standard template's name (match_correct, map_response, map_response_point) or None
    template: str | None = None
    #: the custom ``qti-response-processing`` rules, when the item has no template
    rules: tuple[etree._Element, ...] = field(default=(), compare=False)
    stimulus_refs: tuple[str, ...] = ()

    @property
    def type(self) -> str:
        return self.interactions[0].kind if self.interactions else "choice"

    def response(self, identifier: str) -> ResponseDeclaration | None:
        return next((r for r in self.responses if r.identifier == identifier), None)

    def outcome(self, identifier: str) -> OutcomeDeclaration | None:
        return next((o for o in self.outcomes if o.identifier == identifier), None)


def q(tag: str) -> str:
    """The namespaced name of a QTI 3 element."""
    return f"{{{QTI_NS}}}{tag}"
