"""Routing a measure to the units that handle it: the units the task-division table names for
its task as of today (reorganisations and transfers of functions applied), and for a task the
table gives to several units 按职责分别指导落实, the one whose duty covers the child (the duty map,
`shouhu.policy.duties`). `routes` builds the routes, `output` prints them (docs/casework-routing.md)."""

from .output import RouteJson, routing_json, routing_text
from .routes import Duty, Route, RoutingError, Target, Transfer, child_categories, route_for, routing_table

__all__ = [
    "Duty",
    "Route",
    "RouteJson",
    "RoutingError",
    "Target",
    "Transfer",
    "child_categories",
    "route_for",
    "routing_json",
    "routing_table",
    "routing_text",
]
