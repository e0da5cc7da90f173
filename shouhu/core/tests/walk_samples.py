from shouhu.core.testing.walk import Sample

SAMPLES = {
    "home": [Sample()],
    "audit:list": [Sample(), Sample(query="action=login&actor=admin&object=1")],
}
API_SAMPLES = {
    "/health": [Sample()],
    "/me": [Sample()],
}
SAMPLES |= {
    "notifications": [Sample()],
    "notifications_read": [Sample(method="post", success=(302,))],
}
