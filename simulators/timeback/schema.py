"""The top-level fields of TimeBack's entities, as its OneRoster OpenAPI file lists them (``User``,
``Org``, ``LineItem``, ``Result``, ... under ``components.schemas``).

TimeBack knows its schema before anything is stored, so ``filter``, ``sort`` and ``fields`` may
name these even on an empty collection. The simulator keeps its own copy: it checks the BFF,
so it must not read the BFF's idea of the schema.
"""

from __future__ import annotations

from simulators.timeback.state import BASE_FIELDS

_FIELDS: dict[str, str] = {
    "orgs": "name type identifier parent children",
    "users": "userMasterIdentifier username userIds enabledUser givenName familyName middleName "
    "roles agents userProfiles primaryOrg identifier email preferredFirstName preferredMiddleName "
    "preferredLastName pronouns grades password sms phone demographics",
    "academicSessions": "title startDate endDate type parent schoolYear org children",
    "classes": "title classCode classType location grades subjects course school terms "
    "subjectCodes periods resources",
    "enrollments": "role primary beginDate endDate user class school",
    "demographics": "birthDate sex americanIndianOrAlaskaNative asian blackOrAfricanAmerican "
    "nativeHawaiianOrOtherPacificIslander white demographicRaceTwoOrMoreRaces "
    "hispanicOrLatinoEthnicity countryOfBirthCode stateOfBirthAbbreviation cityOfBirth "
    "publicSchoolResidenceStatus",
    "lineItems": "title description assignDate dueDate class school category gradingPeriod "
    "academicSession scoreScale resultValueMin resultValueMax learningObjectiveSet",
    "results": "lineItem student class scoreScale scoreStatus score textScore scoreDate comment "
    "learningObjectiveSet inProgress incomplete late missing",
    "categories": "title weight",
    "scoreScales": "title type class course scoreScaleValue",
    "assessmentLineItems": "title description class parentAssessmentLineItem scoreScale "
    "resultValueMin resultValueMax component componentResource learningObjectiveSet",
    "assessmentResults": "assessmentLineItem student score textScore scoreDate scoreScale "
    "scorePercentile scoreStatus comment learningObjectiveSet inProgress incomplete late missing",
    "resources": "title roles importance vendorResourceId vendorId applicationId",
}
#: fields by list envelope key (which is also the path segment)
SCHEMA_FIELDS: dict[str, frozenset[str]] = {
    key: frozenset((*BASE_FIELDS, *names.split())) for key, names in _FIELDS.items()
}
