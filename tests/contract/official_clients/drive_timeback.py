"""Runs the documented calls of ``timeback`` 0.3.0 (sync) against a TimeBack endpoint.

Each call is one from the package's own docs (``timeback/docs/oneroster/**/*.md``, "Python
usage"), with the ids the test chose (JSON on standard input), plus the course reads and the
enrollment PATCH its reference-listed bugs concern. The client has no setting for its URLs, so
the driver points its HTTP client and token provider at the simulator (the seam the reference
names, §2). Prints ``{"calls": {name: {"ok", "value" | "error"}}}``.
"""

from __future__ import annotations

import importlib
import re
from typing import Any

# all resolve in the clients' own venv only (tests.support.official_clients runs this file)
from record import Recorder, read_plan  # type: ignore[import-not-found]
from timeback import Timeback  # type: ignore[import-not-found]
from timeback.errors import NotFoundError  # type: ignore[import-not-found]

_MODULES = ("timeback.models.request", "timeback.models", "timeback.enums")


def T(name: str) -> Any:
    """The client's model or enum ``name``, wherever its docs import it from."""
    for module in _MODULES:
        found = getattr(importlib.import_module(module), name, None)
        if found is not None:
            return found
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
    for package in ("timeback.models", "timeback.enums"):
        try:
            return getattr(importlib.import_module(f"{package}.{snake}"), name)
        except (ImportError, AttributeError):
            continue
    raise LookupError(name)


def ref(sourced_id: str) -> Any:
    return T("TimebackSourcedIdReference")(sourcedId=sourced_id)


def q(**params: Any) -> Any:
    return T("TimebackQueryParams")(**params)


def connect(plan: dict[str, Any]) -> Any:
    client = Timeback(
        client_id=plan["client_id"], client_secret=plan["client_secret"], environment="staging"
    )
    http = client._http_oneroster
    http._base_url = plan["base_url"].rstrip("/")
    http._token_provider._idp_token_url = plan["auth_url"]
    return client


def raised(call: Any, expected: type[Exception]) -> str:
    try:
        call()
    except expected as exc:
        return type(exc).__name__
    return "no error"


def rostering(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    ro = c.oneroster.rostering
    get_user = T("TimebackGetUserRequest")
    rec.call("get_user", lambda: ro.get_user(get_user(sourced_id=p["student"])))
    rec.call(
        "get_user(fields)",
        lambda: ro.get_user(
            get_user(sourced_id=p["student"], query_params=q(fields=["sourcedId", "username"]))
        ),
    )
    rec.call(
        "get_user(missing) raises NotFoundError",
        lambda: raised(lambda: ro.get_user(get_user(sourced_id="no-such-user")), NotFoundError),
    )
    rec.call(
        "get_user_with_demographics",
        lambda: ro.get_user_with_demographics(get_user(sourced_id=p["student"])),
    )
    all_users = T("TimebackGetAllUsersRequest")
    rec.call("get_all_users", lambda: ro.get_all_users(all_users()))
    rec.call(
        "get_all_users(filter, search)",
        lambda: ro.get_all_users(
            all_users(query_params=q(limit=50, filter="status='active'", search=p["family_name"]))
        ),
    )
    rec.call(
        "get_all_users(filter role)",
        lambda: ro.get_all_users(all_users(query_params=q(limit=3000, filter="role='student'"))),
    )
    rec.call(
        "get_all_users(filter role OR)",
        lambda: ro.get_all_users(
            all_users(query_params=q(limit=3000, filter="(role='teacher' OR role='administrator')"))
        ),
    )
    schools = T("TimebackGetAllSchoolsRequest")
    rec.call("get_all_schools", lambda: ro.get_all_schools(schools()))
    rec.call(
        "get_all_schools(filter, search)",
        lambda: ro.get_all_schools(
            schools(query_params=q(limit=50, filter="status='active'", search=p["school_word"]))
        ),
    )
    get_school = T("TimebackGetSchoolRequest")
    rec.call("get_school", lambda: ro.get_school(get_school(sourced_id=p["school"])))
    rec.call(
        "get_school(fields)",
        lambda: ro.get_school(
            get_school(sourced_id=p["school"], query_params=q(fields=["sourcedId", "name"]))
        ),
    )
    classes = T("TimebackGetAllClassesRequest")
    rec.call("get_all_classes", lambda: ro.get_all_classes(classes()))
    rec.call(
        "get_all_classes(params)",
        lambda: ro.get_all_classes(
            classes(
                query_params=q(
                    limit=50,
                    offset=0,
                    fields="sourcedId,title,classCode",
                    filter="status='active'",
                    sort="title",
                    order_by="asc",
                    search=p["class_word"],
                )
            )
        ),
    )
    get_class = T("TimebackGetClassRequest")
    rec.call("get_class", lambda: ro.get_class(get_class(sourced_id=p["class"])))
    rec.call(
        "get_class(fields)",
        lambda: ro.get_class(
            get_class(
                sourced_id=p["class"], query_params=q(fields=["sourcedId", "title", "classCode"])
            )
        ),
    )
    for_school = T("TimebackGetClassesForSchoolRequest")
    rec.call(
        "get_classes_for_school",
        lambda: ro.get_classes_for_school(for_school(school_sourced_id=p["school"])),
    )
    rec.call(
        "get_classes_for_school(params)",
        lambda: ro.get_classes_for_school(
            for_school(
                school_sourced_id=p["school"],
                query_params=q(
                    limit=10, offset=0, filter="status='active'", sort="title", order_by="asc"
                ),
            )
        ),
    )
    periods = T("TimebackGetAllGradingPeriodsRequest")
    rec.call("get_all_grading_periods", lambda: ro.get_all_grading_periods(periods()))
    rec.call(
        "get_all_grading_periods(filter)",
        lambda: ro.get_all_grading_periods(
            periods(query_params=q(limit=50, offset=0, filter="status='active'"))
        ),
    )
    rec.call("get_agents", lambda: ro.get_agents(p["child"]))
    rec.call("get_agent_for", lambda: ro.get_agent_for(p["guardian"]))
    # the reference's known bug (§0): the course model requires orgSourcedId
    rec.call("get_all_courses", lambda: ro.get_all_courses(T("TimebackGetAllCoursesRequest")()))
    rec.call(
        "get_course",
        lambda: ro.get_course(T("TimebackGetCourseRequest")(sourced_id=p["course"])),
    )


def rostering_writes(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    ro = c.oneroster.rostering
    org_ref = T("TimebackOrgRef")
    role = T("TimebackUserRole")(
        roleType=T("TimebackRoleType").PRIMARY,
        role=T("TimebackRoleName").STUDENT,
        org=org_ref(sourcedId=p["school"]),
    )
    user = T("TimebackCreateUserBody")(
        sourcedId="tb-user-1",
        enabledUser=True,
        givenName="Chris",
        familyName="Doe",
        email="chris@example.com",
        roles=[role],
    )
    rec.call("create_user", lambda: ro.create_user(T("TimebackCreateUserRequest")(user=user)))
    teacher = T("TimebackUserRole")(
        roleType=T("TimebackRoleType").PRIMARY,
        role=T("TimebackRoleName").TEACHER,
        org=org_ref(sourcedId=p["school"]),
    )
    update = T("TimebackUpdateUserBody")(
        sourcedId="tb-user-1",
        enabledUser=True,
        givenName="Alice",
        familyName="Baker",
        email="alice@example.com",
        roles=[teacher],
    )
    rec.call("update_user", lambda: ro.update_user(T("TimebackUpdateUserRequest")(user=update)))
    rec.call(
        "add_agent",
        lambda: ro.add_agent(
            T("TimebackAddAgentRequest")(user_id="tb-user-1", agent_sourced_id=p["guardian"])
        ),
    )
    rec.call(
        "delete_agent",
        lambda: ro.delete_agent(
            T("TimebackDeleteAgentRequest")(user_id="tb-user-1", agent_sourced_id=p["guardian"])
        ),
    )
    credentials = T("TimebackCredentials")(username="student123", password="securepass456")
    registered = rec.call(
        "register_student_credentials",
        lambda: ro.register_student_credentials(
            T("TimebackRegisterStudentCredentialsRequest")(
                user_id=p["student"], application_name="PowerPath", credentials=credentials
            )
        ),
    )
    credential_id = registered.model_dump(by_alias=True)["credentialId"] if registered else "?"
    rec.call(
        "decrypt_credential",
        lambda: ro.decrypt_credential(
            T("TimebackDecryptCredentialRequest")(user_id=p["student"], credential_id=credential_id)
        ),
    )
    rec.call("delete_user", lambda: ro.delete_user("tb-user-1"))
    school = T("TimebackCreateSchoolBody")(
        sourcedId="tb-school-1", name="Lincoln Elementary School", type=T("TimebackOrgType").SCHOOL
    )
    rec.call(
        "create_school", lambda: ro.create_school(T("TimebackCreateSchoolRequest")(org=school))
    )
    renamed = T("TimebackUpdateSchoolBody")(
        sourcedId="tb-school-1",
        name="School with Parent",
        type=T("TimebackOrgType").SCHOOL,
        parent=ref(p["district"]),
    )
    rec.call(
        "update_school", lambda: ro.update_school(T("TimebackUpdateSchoolRequest")(org=renamed))
    )
    rec.call("delete_school", lambda: ro.delete_school("tb-school-1"))
    klass = T("TimebackCreateClassBody")(
        sourcedId="tb-class-1",
        title="Advanced Mathematics",
        course=ref(p["course"]),
        org=ref(p["school"]),
        terms=[ref(p["term"])],
        classCode="MATH-301",
        classType=T("TimebackClassType").SCHEDULED,
        location="Building A, Room 301",
        status=T("TimebackStatus").ACTIVE,
        grades=["11", "12"],
        subjects=["Math"],
        subjectCodes=["MATH"],
        periods=["Period 1"],
        metadata={"custom": "value"},
    )
    rec.call("create_class", lambda: ro.create_class(T("TimebackCreateClassRequest")(class_=klass)))
    changed = T("TimebackUpdateClassBody")(
        sourcedId="tb-class-1", title="Updated Class Title", status=T("TimebackStatus").ACTIVE
    )
    rec.call(
        "update_class", lambda: ro.update_class(T("TimebackUpdateClassRequest")(class_=changed))
    )
    rec.call("delete_class", lambda: ro.delete_class("tb-class-1"))
    session = T("TimebackAcademicSession")(
        sourcedId="tb-gp-1",
        title="Q1 2024",
        type=T("TimebackAcademicSessionType").GRADING_PERIOD,
        startDate="2024-08-01",
        endDate="2024-10-15",
        schoolYear=2025,
        org=org_ref(sourcedId=p["school"]),
        status=T("TimebackStatus").ACTIVE,
    )
    rec.call(
        "create_grading_period",
        lambda: ro.create_grading_period(
            T("TimebackCreateGradingPeriodRequest")(academic_session=session)
        ),
    )
    # the reference's known bug (§0): the client has no HttpClient.patch
    rec.call(
        "patch_enrollment",
        lambda: ro.patch_enrollment(
            T("TimebackPatchEnrollmentRequest")(
                sourced_id=p["enrollment"],
                enrollment=T("TimebackPatchEnrollmentBody")(metadata={"seat": "A1"}),
            )
        ),
    )


def gradebook(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    gb = c.oneroster.gradebook
    active = T("TimebackStatus").ACTIVE
    rec.call(
        "create_category",
        lambda: gb.create_category(
            T("TimebackCreateCategoryRequest")(
                category=T("TimebackCategory")(
                    sourcedId="tb-cat-1",
                    status=active,
                    title="Homework",
                    weight=0.3,
                    metadata={"description": "Daily homework assignments"},
                )
            )
        ),
    )
    rec.call(
        "put_category",
        lambda: gb.put_category(
            T("TimebackPutCategoryRequest")(
                sourced_id="tb-cat-1",
                category=T("TimebackCategory")(
                    sourcedId="tb-cat-1", status=active, title="Homework", weight=0.30
                ),
            )
        ),
    )
    rec.call(
        "get_category",
        lambda: gb.get_category(T("TimebackGetCategoryRequest")(sourced_id="tb-cat-1")),
    )
    rec.call(
        "get_all_categories(params)",
        lambda: gb.get_all_categories(
            T("TimebackGetAllCategoriesRequest")(
                query_params=q(
                    limit=10, offset=0, filter="status='active'", sort="title", order_by="asc"
                )
            )
        ),
    )
    values = [
        T("TimebackScoreScaleValue")(
            itemValueLHS="90", itemValueRHS="100", value="A", description="Excellent"
        ),
        T("TimebackScoreScaleValue")(itemValueLHS="80", itemValueRHS="89", value="B"),
    ]
    scale = T("TimebackScoreScale")(
        sourcedId="tb-scale-1",
        status=active,
        title="Letter Grade Scale",
        type="letter",
        **{"class": ref(p["class"])},
        scoreScaleValue=values,
    )
    rec.call(
        "create_score_scale",
        lambda: gb.create_score_scale(T("TimebackCreateScoreScaleRequest")(scoreScale=scale)),
    )
    rec.call(
        "put_score_scale",
        lambda: gb.put_score_scale(
            T("TimebackPutScoreScaleRequest")(
                sourced_id="tb-scale-1",
                scoreScale=scale.model_copy(update={"title": "Updated Letter Grade Scale"}),
            )
        ),
    )
    rec.call(
        "get_score_scale",
        lambda: gb.get_score_scale(T("TimebackGetScoreScaleRequest")(sourced_id="tb-scale-1")),
    )
    rec.call(
        "get_all_score_scales(params)",
        lambda: gb.get_all_score_scales(
            T("TimebackGetAllScoreScalesRequest")(
                query_params=q(
                    limit=50,
                    offset=0,
                    fields="sourcedId,title,type",
                    filter="status='active'",
                    sort="title",
                    orderBy="asc",
                )
            )
        ),
    )
    rec.call(
        "get_score_scales_for_class",
        lambda: gb.get_score_scales_for_class(
            T("TimebackGetScoreScalesForClassRequest")(class_sourced_id=p["class"])
        ),
    )
    rec.call(
        "get_score_scales_for_school",
        lambda: gb.get_score_scales_for_school(
            T("TimebackGetScoreScalesForSchoolRequest")(sourced_id=p["school"])
        ),
    )

    def line_item(sourced_id: str, title: str) -> Any:
        return T("TimebackCreateLineItemBody")(
            sourcedId=sourced_id,
            title=title,
            assignDate="2024-01-15T00:00:00Z",
            dueDate="2024-01-20T23:59:59Z",
            class_=ref(p["class"]),
            school=ref(p["school"]),
            category=ref("tb-cat-1"),
            status=active,
            description="First quiz of the semester",
            scoreScale=ref("tb-scale-1"),
            resultValueMin=0.0,
            resultValueMax=100.0,
        )

    rec.call(
        "create_line_item",
        lambda: gb.create_line_item(
            T("TimebackCreateLineItemRequest")(lineItem=line_item("tb-li-1", "Math Quiz 1"))
        ),
    )
    rec.call(
        "put_line_item",
        lambda: gb.put_line_item(
            T("TimebackPutLineItemRequest")(
                sourced_id="tb-li-1",
                lineItem=T("TimebackPutLineItemBody")(
                    **line_item("tb-li-1", "Updated Math Quiz 1").model_dump(by_alias=False)
                ),
            )
        ),
    )
    rec.call(
        "get_line_item",
        lambda: gb.get_line_item(T("TimebackGetLineItemRequest")(sourced_id="tb-li-1")),
    )
    rec.call(
        "get_all_line_items(params)",
        lambda: gb.get_all_line_items(
            T("TimebackGetAllLineItemsRequest")(
                query_params=q(
                    limit=50,
                    offset=0,
                    fields="sourcedId,title,assignDate,dueDate",
                    filter="status='active'",
                    sort="dueDate",
                    orderBy="asc",
                )
            )
        ),
    )
    rec.call(
        "post_line_items_for_class",
        lambda: gb.post_line_items_for_class(
            T("TimebackPostLineItemsForClassRequest")(
                class_sourced_id=p["class"],
                lineItems=[
                    line_item("tb-li-2", "Math Quiz 2"),
                    line_item("tb-li-3", "Math Quiz 3"),
                ],
            )
        ),
    )
    rec.call(
        "create_line_items_for_school",
        lambda: gb.create_line_items_for_school(
            T("TimebackCreateLineItemsForSchoolRequest")(
                school_sourced_id=p["school"], lineItems=[line_item("tb-li-4", "Math Quiz 4")]
            )
        ),
    )
    rec.call(
        "get_line_items_for_class",
        lambda: gb.get_line_items_for_class(
            T("TimebackGetLineItemsForClassRequest")(class_sourced_id=p["class"])
        ),
    )
    rec.call(
        "get_line_items_for_school",
        lambda: gb.get_line_items_for_school(
            T("TimebackGetLineItemsForSchoolRequest")(school_sourced_id=p["school"])
        ),
    )

    def result(sourced_id: str, line_item_id: str, score: float) -> Any:
        return T("TimebackCreateResultBody")(
            sourcedId=sourced_id,
            lineItem=ref(line_item_id),
            student=ref(p["student"]),
            scoreStatus=T("TimebackScoreStatus").FULLY_GRADED,
            scoreDate="2024-01-15T10:00:00Z",
            score=score,
            textScore="A",
            comment="Excellent work",
            class_=ref(p["class"]),
        )

    rec.call(
        "create_result",
        lambda: gb.create_result(
            T("TimebackCreateResultRequest")(result=result("tb-r-1", "tb-li-1", 95.5))
        ),
    )
    rec.call(
        "put_result",
        lambda: gb.put_result(
            T("TimebackPutResultRequest")(
                sourced_id="tb-r-1",
                result=T("TimebackPutResultBody")(
                    **result("tb-r-1", "tb-li-1", 97.0).model_dump(by_alias=False)
                ),
            )
        ),
    )
    rec.call(
        "get_result", lambda: gb.get_result(T("TimebackGetResultRequest")(sourced_id="tb-r-1"))
    )
    rec.call(
        "get_all_results(params)",
        lambda: gb.get_all_results(
            T("TimebackGetAllResultsRequest")(
                query_params=q(
                    limit=50,
                    offset=0,
                    fields="sourcedId,scoreStatus,score",
                    filter="status='active'",
                    sort="scoreDate",
                    orderBy="desc",
                )
            )
        ),
    )
    rec.call(
        "create_result_for_line_item",
        lambda: gb.create_result_for_line_item(
            T("TimebackCreateResultForLineItemRequest")(
                line_item_sourced_id="tb-li-2", results=[result("tb-r-2", "tb-li-2", 88.0)]
            )
        ),
    )
    rec.call(
        "post_results_for_academic_session_for_class",
        lambda: gb.post_results_for_academic_session_for_class(
            T("TimebackPostResultsForAcademicSessionForClassRequest")(
                class_sourced_id=p["class"],
                academic_session_sourced_id=p["term"],
                results=[result("tb-r-3", "tb-li-3", 71.0)],
            )
        ),
    )
    rec.call(
        "get_results_for_class",
        lambda: gb.get_results_for_class(
            T("TimebackGetResultsForClassRequest")(class_sourced_id=p["class"])
        ),
    )
    rec.call(
        "get_results_for_line_item_for_class",
        lambda: gb.get_results_for_line_item_for_class(
            T("TimebackGetResultsForLineItemForClassRequest")(
                class_sourced_id=p["class"], line_item_sourced_id="tb-li-1"
            )
        ),
    )
    rec.call(
        "get_results_for_student_for_class",
        lambda: gb.get_results_for_student_for_class(
            T("TimebackGetResultsForStudentForClassRequest")(
                class_sourced_id=p["class"], student_sourced_id=p["student"]
            )
        ),
    )
    rec.call(
        "get_categories_for_class",
        lambda: gb.get_categories_for_class(
            T("TimebackGetCategoriesForClassRequest")(class_sourced_id=p["class"])
        ),
    )
    rec.call(
        "delete_result",
        lambda: gb.delete_result(T("TimebackDeleteResultRequest")(sourced_id="tb-r-3")),
    )
    rec.call(
        "delete_line_item",
        lambda: gb.delete_line_item(T("TimebackDeleteLineItemRequest")(sourced_id="tb-li-4")),
    )
    rec.call(
        "delete_score_scale",
        lambda: gb.delete_score_scale(
            T("TimebackDeleteScoreScaleRequest")(sourced_id="tb-scale-1")
        ),
    )
    assessment(c, p, rec)


def assessment(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    gb = c.oneroster.gradebook
    ali = T("TimebackCreateAssessmentLineItemBody")(
        sourcedId="tb-ali-1",
        title="Quiz 1",
        assignDate="2024-01-01",
        dueDate="2024-01-15",
        class_=ref(p["class"]),
        school=ref(p["school"]),
        category=ref("tb-cat-1"),
    )
    rec.call(
        "create_assessment_line_item",
        lambda: gb.create_assessment_line_item(
            T("TimebackCreateAssessmentLineItemRequest")(assessmentLineItem=ali)
        ),
    )
    rec.call(
        "put_assessment_line_item",
        lambda: gb.put_assessment_line_item(
            T("TimebackPutAssessmentLineItemRequest")(
                sourced_id="tb-ali-1",
                assessmentLineItem=T("TimebackPutAssessmentLineItemBody")(
                    title="Updated Quiz",
                    assignDate="2024-01-01",
                    dueDate="2024-01-20",
                    class_=ref(p["class"]),
                    school=ref(p["school"]),
                    category=ref("tb-cat-1"),
                ),
            )
        ),
    )
    rec.call(
        "patch_assessment_line_item",
        lambda: gb.patch_assessment_line_item(
            T("TimebackPatchAssessmentLineItemRequest")(
                sourced_id="tb-ali-1",
                assessmentLineItem=T("TimebackPatchAssessmentLineItemBody")(
                    title="Patched Title", description="Updated description"
                ),
            )
        ),
    )
    rec.call(
        "get_assessment_line_item",
        lambda: gb.get_assessment_line_item(
            T("TimebackGetAssessmentLineItemRequest")(sourced_id="tb-ali-1")
        ),
    )
    rec.call(
        "get_all_assessment_line_items(params)",
        lambda: gb.get_all_assessment_line_items(
            T("TimebackGetAllAssessmentLineItemsRequest")(
                query_params=q(limit=50, offset=0, sort="title", order_by="asc")
            )
        ),
    )
    ar = T("TimebackCreateAssessmentResultBody")(
        sourcedId="tb-ar-1",
        assessmentLineItem=T("TimebackAssessmentLineItemRef")(sourcedId="tb-ali-1"),
        student=T("TimebackStudentRef")(sourcedId=p["student"]),
        scoreStatus=T("TimebackScoreStatus").FULLY_GRADED,
        scoreDate="2024-01-15",
        score=85.5,
        comment="Good work!",
    )
    rec.call(
        "create_assessment_result",
        lambda: gb.create_assessment_result(
            T("TimebackCreateAssessmentResultRequest")(assessmentResult=ar)
        ),
    )
    rec.call(
        "put_assessment_result",
        lambda: gb.put_assessment_result(
            T("TimebackPutAssessmentResultRequest")(
                sourced_id="tb-ar-1",
                assessmentResult=T("TimebackPutAssessmentResultBody")(
                    assessmentLineItem=T("TimebackAssessmentLineItemRef")(sourcedId="tb-ali-1"),
                    student=T("TimebackStudentRef")(sourcedId=p["student"]),
                    scoreStatus=T("TimebackScoreStatus").FULLY_GRADED,
                    scoreDate="2024-01-15",
                    score=92.5,
                ),
            )
        ),
    )
    rec.call(
        "patch_assessment_result",
        lambda: gb.patch_assessment_result(
            T("TimebackPatchAssessmentResultRequest")(
                sourced_id="tb-ar-1",
                assessmentResult=T("TimebackPatchAssessmentResultBody")(
                    score=95.0, comment="Updated via PATCH"
                ),
            )
        ),
    )
    rec.call(
        "get_assessment_result",
        lambda: gb.get_assessment_result(
            T("TimebackGetAssessmentResultRequest")(sourced_id="tb-ar-1")
        ),
    )
    rec.call(
        "get_all_assessment_results(params)",
        lambda: gb.get_all_assessment_results(
            T("TimebackGetAllAssessmentResultsRequest")(
                query_params=q(limit=50, offset=0, sort="scoreDate", order_by="desc")
            )
        ),
    )
    rec.call("delete_assessment_result", lambda: gb.delete_assessment_result("tb-ar-1"))
    rec.call("delete_assessment_line_item", lambda: gb.delete_assessment_line_item("tb-ali-1"))


def resources(c: Any, p: dict[str, Any], rec: Recorder) -> None:
    rs = c.oneroster.resources
    primary = T("TimebackImportance").PRIMARY
    body = T("TimebackCreateResourceBody")(
        sourcedId="tb-res-1", title="My Resource", vendorResourceId="vendor-123", importance=primary
    )
    rec.call(
        "create_resource",
        lambda: rs.create_resource(T("TimebackCreateResourceRequest")(resource=body)),
    )
    rec.call(
        "update_resource",
        lambda: rs.update_resource(
            T("TimebackUpdateResourceRequest")(
                sourced_id="tb-res-1",
                resource=T("TimebackUpdateResourceBody")(
                    title="Updated Resource", vendorResourceId="vendor-123", importance=primary
                ),
            )
        ),
    )
    rec.call(
        "get_resource",
        lambda: rs.get_resource(T("TimebackGetResourceRequest")(sourced_id="tb-res-1")),
    )
    rec.call(
        "get_all_resources", lambda: rs.get_all_resources(T("TimebackGetAllResourcesRequest")())
    )
    rec.call(
        "get_resources_for_class",
        lambda: rs.get_resources_for_class(
            T("TimebackGetResourcesForClassRequest")(class_sourced_id=p["class"])
        ),
    )
    rec.call(
        "get_resources_for_course",
        lambda: rs.get_resources_for_course(
            T("TimebackGetResourcesForCourseRequest")(course_sourced_id=p["course"])
        ),
    )
    rec.call(
        "get_resources_for_user",
        lambda: rs.get_resources_for_user(
            T("TimebackGetResourcesForUserRequest")(user_sourced_id=p["student"])
        ),
    )
    rec.call("delete_resource", lambda: rs.delete_resource("tb-res-1"))


def main() -> None:
    plan = read_plan()
    rec = Recorder()
    client = connect(plan)
    rostering(client, plan, rec)
    rostering_writes(client, plan, rec)
    gradebook(client, plan, rec)
    resources(client, plan, rec)
    rec.emit()


if __name__ == "__main__":
    main()
