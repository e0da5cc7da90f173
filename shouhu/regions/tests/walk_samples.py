from shouhu.accounts.personas import TOWNSHIP_A, TOWNSHIP_B, VILLAGE_A, VILLAGE_B
from shouhu.core.testing.walk import Sample

COUNTY = "210522000000"
COUNTY_WIDE = frozenset({"admin", "caseworker", "leader"})
# Township A's page is visible to its supervisor and, as the parent in the breadcrumb, to the
# director of a village in it; nothing of township B is.
SEES_TOWNSHIP_A = COUNTY_WIDE | {"supervisor_a", "director_a"}
SEES_TOWNSHIP_B = COUNTY_WIDE | {"supervisor_b", "director_b"}
SEES_COUNTY = COUNTY_WIDE | {"supervisor_a", "supervisor_b", "director_a", "director_b"}

SAMPLES = {
    "regions:list": [Sample(success=(200, 302)), Sample(query="q=普乐堡")],
    "regions:import": [Sample()],
    "regions:detail": [
        Sample(kwargs={"code": COUNTY}, ok=SEES_COUNTY),
        Sample(kwargs={"code": TOWNSHIP_A}, ok=SEES_TOWNSHIP_A),
        Sample(kwargs={"code": TOWNSHIP_B}, ok=SEES_TOWNSHIP_B),
        Sample(kwargs={"code": VILLAGE_A}, ok=COUNTY_WIDE | {"supervisor_a", "director_a"}),
        Sample(kwargs={"code": VILLAGE_B}, ok=COUNTY_WIDE | {"supervisor_b", "director_b"}),
        Sample(kwargs={"code": "210522999999"}, ok=frozenset()),
    ],
    "regions:add_child": [Sample(kwargs={"code": TOWNSHIP_A})],
    "regions:rename": [Sample(kwargs={"code": VILLAGE_B})],
}
API_SAMPLES = {
    "/regions": [Sample()],
    "/regions/{code}": [
        Sample(kwargs={"code": TOWNSHIP_A}, ok=SEES_TOWNSHIP_A),
        Sample(kwargs={"code": VILLAGE_B}, ok=COUNTY_WIDE | {"supervisor_b", "director_b"}),
    ],
}
