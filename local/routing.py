"""The HTTP API's routes, read from the HttpApi events of the template's functions, and how a
request finds its route: the most specific path wins, as in API Gateway."""

from __future__ import annotations

import re
from dataclasses import dataclass

from local.cfn import load_template, resources_of_type
from local.functions import LambdaFunction, load_functions


@dataclass
class Route:
    method: str
    path: str
    function: LambdaFunction
    authorized: bool
    pattern: re.Pattern[str]

    @property
    def specificity(self) -> tuple[int, int]:
        segments = self.path.strip("/").split("/")
        return (sum(1 for s in segments if not s.startswith("{")), len(segments))


def route_pattern(path: str) -> re.Pattern[str]:
    regex = re.sub(r"\{([A-Za-z0-9_]+)\+?\}", r"(?P<\1>[^/]+)", path)
    return re.compile(f"^{regex}$")


def load_functions_and_routes() -> tuple[dict[str, LambdaFunction], list[Route]]:
    template = load_template()
    functions = load_functions(template)
    routes: list[Route] = []
    for logical_id, resource in resources_of_type(template, "AWS::Serverless::Function").items():
        for event in resource["Properties"].get("Events", {}).values():
            if event["Type"] != "HttpApi":
                continue
            event_properties = event["Properties"]
            auth = event_properties.get("Auth", {})
            routes.append(
                Route(
                    method=event_properties["Method"].upper(),
                    path=event_properties["Path"],
                    function=functions[logical_id],
                    authorized=auth.get("Authorizer") != "NONE",
                    pattern=route_pattern(event_properties["Path"]),
                )
            )
    routes.sort(key=lambda route: route.specificity, reverse=True)
    return functions, routes


def match_route(routes: list[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for route in routes:
        if route.method != method:
            continue
        found = route.pattern.match(path)
        if found:
            return route, found.groupdict()
    return None
