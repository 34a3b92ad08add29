"""Operated, not just deployed (DESIGN.md): every dead-letter queue, every function's errors and
throttles, the API's 5xx and the catch-up's lag have an alarm, all on the one alarm topic."""

from __future__ import annotations

from typing import Any

from local.cfn import load_template, resources_of_type

TEMPLATE = load_template()
ALARMS = resources_of_type(TEMPLATE, "AWS::CloudWatch::Alarm")


def _alarms_on(namespace: str, metric: str) -> list[dict[str, Any]]:
    return [
        alarm["Properties"]
        for alarm in ALARMS.values()
        if alarm["Properties"]["Namespace"] == namespace
        and alarm["Properties"]["MetricName"] == metric
    ]


def _dimension_refs(alarms: list[dict[str, Any]]) -> set[str]:
    refs = set()
    for alarm in alarms:
        for dimension in alarm["Dimensions"]:
            value = dimension["Value"]
            refs.add(value.get("Ref") or value.get("Fn::GetAtt", [None])[0])
    return refs


def test_every_function_has_an_errors_and_a_throttles_alarm():
    functions = set(resources_of_type(TEMPLATE, "AWS::Serverless::Function"))
    assert _dimension_refs(_alarms_on("AWS/Lambda", "Errors")) == functions
    assert _dimension_refs(_alarms_on("AWS/Lambda", "Throttles")) == functions


def test_every_dead_letter_queue_alarms_on_one_visible_message():
    queues = resources_of_type(TEMPLATE, "AWS::SQS::Queue")
    dead_letter_queues = {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in queues.values()
        if "RedrivePolicy" in queue["Properties"]
    }
    alarms = _alarms_on("AWS/SQS", "ApproximateNumberOfMessagesVisible")
    assert _dimension_refs(alarms) == dead_letter_queues
    assert {alarm["Threshold"] for alarm in alarms} == {1}


def test_the_api_5xx_and_the_catch_up_lag_alarm():
    (api,) = _alarms_on("AWS/ApiGateway", "5xx")
    assert {"Ref": "HttpApi"} in [dimension["Value"] for dimension in api["Dimensions"]]
    (lag,) = _alarms_on("AccountBilling", "CatchUpLagIntervals")
    assert (lag["Threshold"], lag["ComparisonOperator"]) == (2, "GreaterThanThreshold")
    assert lag["TreatMissingData"] == "breaching"


def test_every_alarm_notifies_the_one_topic_and_email_is_optional():
    assert all(
        alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for alarm in ALARMS.values()
    )
    (subscription,) = resources_of_type(TEMPLATE, "AWS::SNS::Subscription").values()
    assert subscription["Condition"] == "HasAlarmEmail"
    assert subscription["Properties"]["Endpoint"] == {"Ref": "AlarmEmail"}
