"""The rule tables of TimeBack's Caliper API, as data: read off ``caliper-api.yaml`` and
``timeback-events-api.yaml`` (each event schema's ``type`` const, ``profile`` const, ``action``
enum and the properties it requires beyond the generic Event's), so a reader can check one line
against one schema. :mod:`.checks` applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTEXT = "http://purl.imsglobal.org/ctx/caliper/v1p2"
DATA_VERSION = CONTEXT

#: ``AllProfiles``
PROFILES = frozenset(
    {
        "AnnotationProfile",
        "AssessmentProfile",
        "ToolUseProfile",
        "GeneralProfile",
        "FeedbackProfile",
        "MediaProfile",
        "SurveyProfile",
        "ResourceManagementProfile",
        "ForumProfile",
        "AssignableProfile",
        "GradingProfile",
        "ReadingProfile",
        "SessionProfile",
        "SearchProfile",
        "ToolLaunchProfile",
        "TimebackProfile",
    }
)

#: the generic ``Event`` schema's properties (``additionalProperties: false``)
EVENT_KEYS = frozenset(
    {
        "@context",
        "id",
        "type",
        "actor",
        "action",
        "object",
        "eventTime",
        "profile",
        "edApp",
        "generated",
        "target",
        "referrer",
        "group",
        "membership",
        "session",
        "federatedSession",
        "extensions",
    }
)
EVENT_REQUIRED = ("id", "type", "actor", "action", "object", "eventTime", "profile")
#: the Event properties that hold an entity, given as an IRI or as an object
ENTITY_REFS = (
    "actor",
    "object",
    "edApp",
    "generated",
    "target",
    "referrer",
    "group",
    "membership",
    "session",
    "federatedSession",
)


@dataclass(frozen=True, slots=True)
class EventRule:
    """One event schema: its type in one profile, the actions allowed, what it also requires."""

    type: str
    profile: str
    actions: frozenset[str]
    requires: tuple[str, ...] = ()


def _rule(type_: str, profile: str, actions: str, requires: tuple[str, ...] = ()) -> EventRule:
    return EventRule(type_, profile, frozenset(actions.split()), requires)


GEN = ("generated",)
EVENT_RULES: tuple[EventRule, ...] = (
    _rule("ToolUseEvent", "ToolUseProfile", "Used"),
    _rule("AnnotationEvent", "AnnotationProfile", "Bookmarked Highlighted Shared Tagged", GEN),
    _rule(
        "AssessmentEvent", "AssessmentProfile", "Started Paused Resumed Restarted Submitted", GEN
    ),
    _rule("AssessmentItemEvent", "AssessmentProfile", "Started Skipped Completed"),
    _rule(
        "MediaEvent",
        "MediaProfile",
        "Started Ended Paused Resumed Restarted ForwardedTo JumpedTo ChangedResolution ChangedSize"
        " ChangedSpeed ChangedVolume EnabledClosedCaptioning DisabledClosedCaptioning"
        " EnteredFullScreen ExitedFullScreen Muted Unmuted OpenedPopout ClosedPopout",
    ),
    _rule("NavigationEvent", "MediaProfile", "NavigatedTo", ("target",)),
    _rule("ViewEvent", "MediaProfile", "Viewed"),
    _rule(
        "AssignableEvent",
        "AssignableProfile",
        "Activated Deactivated Started Completed Submitted Reviewed",
    ),
    _rule("NavigationEvent", "AssignableProfile", "NavigatedTo"),
    _rule("ViewEvent", "AssignableProfile", "Viewed"),
    _rule("ForumEvent", "ForumProfile", "Subscribed Unsubscribed"),
    _rule("ThreadEvent", "ForumProfile", "MarkedAsRead MarkedAsUnRead"),
    _rule("MessageEvent", "ForumProfile", "MarkedAsRead MarkedAsUnRead Posted"),
    _rule("NavigationEvent", "ForumProfile", "NavigatedTo"),
    _rule("ViewEvent", "ForumProfile", "Viewed"),
    _rule("GradeEvent", "GradingProfile", "Graded", GEN),
    _rule("ViewEvent", "GradingProfile", "Viewed"),
    _rule("NavigationEvent", "ReadingProfile", "NavigatedTo"),
    _rule("ViewEvent", "ReadingProfile", "Viewed"),
    _rule(
        "ResourceManagementEvent",
        "ResourceManagementProfile",
        "Created Copied Modified Deleted Described Downloaded Uploaded Retrieved Printed"
        " Published Unpublished Archived Restored Saved",
    ),
    _rule("SearchEvent", "SearchProfile", "Searched"),
    _rule("SurveyInvitationEvent", "SurveyProfile", "Sent Accepted Declined"),
    _rule("SurveyEvent", "SurveyProfile", "OptedIn OptedOut"),
    _rule("QuestionnaireEvent", "SurveyProfile", "Started Submitted"),
    _rule("QuestionnaireItemEvent", "SurveyProfile", "Started Skipped Completed", GEN),
    _rule("NavigationEvent", "SurveyProfile", "NavigatedTo"),
    _rule("ViewEvent", "SurveyProfile", "Viewed"),
    _rule("ToolLaunchEvent", "ToolLaunchProfile", "Launched Returned"),
    _rule("FeedbackEvent", "FeedbackProfile", "Commented Ranked"),
    _rule("SessionEvent", "SessionProfile", "LoggedIn LoggedOut TimedOut"),
    _rule("ActivityEvent", "TimebackProfile", "Completed", GEN),
    _rule("TimeSpentEvent", "TimebackProfile", "SpentTime", GEN),
)
#: Caliper 1.2's action vocabulary (its ``Action`` terms), which the spec's Event schema leaves
#: open; with the spellings TimeBack's own schemas use (``MarkedAsUnRead``)
CALIPER_ACTIONS = frozenset(
    # one term per word, as the vocabulary lists them
    """Abandoned Accepted Activated Added Archived Attached Bookmarked ChangedResolution ChangedSize
    ChangedSpeed ChangedVolume Classified ClosedPopout Commented Completed Copied Created Deactivated
    Declined Deleted Described DisabledClosedCaptioning Disliked Downloaded EnabledClosedCaptioning
    Ended EnteredFullScreen ExitedFullScreen ForwardedTo Graded Hid Highlighted Identified JumpedTo
    Launched Liked Linked LoggedIn LoggedOut MarkedAsRead MarkedAsUnread Modified Muted NavigatedTo
    OpenedPopout OptedIn OptedOut Paused Posted Printed Published Questioned Ranked Recommended
    Removed Reset Restarted Restored Resumed Retrieved Returned Reviewed Rewound Saved Searched Sent
    Shared Showed Skipped Started Submitted Subscribed Tagged TimedOut Unmuted Unpublished
    Unsubscribed Uploaded Used Viewed""".split()  # noqa: SIM905
)
#: the generic ``Event`` type; the GeneralProfile takes it or any other event type, with any
#: action of the vocabulary (1EdTech's own fixtures send a NavigationEvent in it)
GENERIC_TYPE = "Event"
GENERIC_PROFILE = "GeneralProfile"
ALL_ACTIONS = CALIPER_ACTIONS | {a for rule in EVENT_RULES for a in rule.actions}
EVENT_TYPES = frozenset({GENERIC_TYPE, *(rule.type for rule in EVENT_RULES)})


def rule_for(type_: str, profile: str) -> EventRule | None:
    if profile == GENERIC_PROFILE:
        return EventRule(type_, GENERIC_PROFILE, ALL_ACTIONS)
    return next((r for r in EVENT_RULES if r.type == type_ and r.profile == profile), None)


def profiles_of(type_: str) -> list[str]:
    return sorted({GENERIC_PROFILE, *(r.profile for r in EVENT_RULES if r.type == type_)})


# -- the TimeBack profile (timeback-events-api.yaml) ------------------------------------------

TIMEBACK_USER_KEYS = frozenset({"id", "type", "email", "name", "role", "extensions"})
TIMEBACK_ROLES = frozenset({"student", "teacher", "admin", "guide"})
SUBJECTS = frozenset({"Science", "Math", "Reading", "Language", "Social Studies", "None"})
#: the named parts of an activity context: each an object with a required ``name``
CONTEXT_PARTS = ("app", "course", "activity")
ACTIVITY_METRICS = frozenset({"xpEarned", "totalQuestions", "correctQuestions", "masteredUnits"})
TIME_SPENT_METRICS = frozenset({"active", "inactive", "waste", "unknown", "anti-pattern"})


@dataclass(frozen=True, slots=True)
class TimebackShape:
    """What a TimeBack profile event's actor, object and generated collection must be."""

    collection: str
    metric_types: frozenset[str]
    #: date-time fields a metric may carry
    metric_times: tuple[str, ...] = ()
    metric_strings: tuple[str, ...] = ()


TIMEBACK_SHAPES = {
    "ActivityEvent": TimebackShape("TimebackActivityMetricsCollection", ACTIVITY_METRICS),
    "TimeSpentEvent": TimebackShape(
        "TimebackTimeSpentMetricsCollection",
        TIME_SPENT_METRICS,
        metric_times=("startDate", "endDate"),
        metric_strings=("subType",),
    ),
}
