"""Creates the template's tables, queues and bucket on the moto server and works out the
environment every function gets (the template's Globals, with !Ref resolved to local names)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import boto3

from local.cfn import load_template, resources_of_type

REGION = "us-east-1"
# The credentials of everything on the local stack: moto accepts any, Lambda's Invoke API only
# these (local.lambda_invoke), and the functions get them in their environment.
ACCESS_KEY_ID = "local"
SECRET_ACCESS_KEY = "local"


@dataclass
class LocalResources:
    endpoint_url: str
    prefix: str
    physical: dict[str, str] = field(default_factory=dict)  # logical id -> name / url
    queue_arns: dict[str, str] = field(default_factory=dict)  # logical id -> arn


def aws_client(service: str, endpoint_url: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        endpoint_url=endpoint_url,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


def _table_request(name: str, properties: dict[str, Any]) -> dict[str, Any]:
    request: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if properties.get("GlobalSecondaryIndexes"):
        request["GlobalSecondaryIndexes"] = properties["GlobalSecondaryIndexes"]
    return request


def create_tables(resources: LocalResources, template: dict[str, Any]) -> None:
    dynamodb = aws_client("dynamodb", resources.endpoint_url)
    for logical_id, resource in resources_of_type(template, "AWS::DynamoDB::Table").items():
        name = f"{resources.prefix}-{logical_id}"
        properties = resource["Properties"]
        dynamodb.create_table(**_table_request(name, properties))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        resources.physical[logical_id] = name


def create_queues(resources: LocalResources, template: dict[str, Any]) -> None:
    sqs = aws_client("sqs", resources.endpoint_url)
    queues = resources_of_type(template, "AWS::SQS::Queue")
    # Dead-letter queues first: the others point at them.
    ordered = sorted(queues.items(), key=lambda item: "RedrivePolicy" in item[1]["Properties"])
    for logical_id, resource in ordered:
        properties = resource.get("Properties", {})
        attributes: dict[str, str] = {}
        if "VisibilityTimeout" in properties:
            attributes["VisibilityTimeout"] = str(properties["VisibilityTimeout"])
        redrive = properties.get("RedrivePolicy")
        if redrive:
            target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
            attributes["RedrivePolicy"] = json.dumps(
                {
                    "deadLetterTargetArn": resources.queue_arns[target],
                    "maxReceiveCount": str(redrive["maxReceiveCount"]),
                }
            )
        url = sqs.create_queue(QueueName=f"{resources.prefix}-{logical_id}", Attributes=attributes)[
            "QueueUrl"
        ]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        resources.physical[logical_id] = url
        resources.queue_arns[logical_id] = arn


def create_buckets(resources: LocalResources, template: dict[str, Any]) -> None:
    s3 = aws_client("s3", resources.endpoint_url)
    for logical_id, resource in resources_of_type(template, "AWS::S3::Bucket").items():
        name = f"{resources.prefix}-{logical_id}".lower()
        s3.create_bucket(Bucket=name)
        encryption = resource["Properties"].get("BucketEncryption")
        if encryption:
            s3.put_bucket_encryption(
                Bucket=name,
                ServerSideEncryptionConfiguration={
                    # CloudFormation's ServerSideEncryptionByDefault is S3's Apply… field.
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": rule[
                                "ServerSideEncryptionByDefault"
                            ]
                        }
                        for rule in encryption["ServerSideEncryptionConfiguration"]
                    ]
                },
            )
        s3.put_public_access_block(
            Bucket=name,
            PublicAccessBlockConfiguration=resource["Properties"]["PublicAccessBlockConfiguration"],
        )
        resources.physical[logical_id] = name


def create_all(endpoint_url: str, prefix: str) -> LocalResources:
    template = load_template()
    resources = LocalResources(endpoint_url=endpoint_url, prefix=prefix)
    create_tables(resources, template)
    create_queues(resources, template)
    create_buckets(resources, template)
    return resources


def function_environment(
    resources: LocalResources, parameters: dict[str, str], local_overrides: dict[str, str]
) -> dict[str, str]:
    """The template's global environment with !Ref resolved locally, plus local-only settings.

    SSM parameter names are dropped: locally secrets are given directly (local_overrides)."""
    template = load_template()
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    defaults = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    environment: dict[str, str] = {}
    for name, value in variables.items():
        if isinstance(value, dict) and "Ref" in value:
            ref = value["Ref"]
            if ref in resources.physical:
                environment[name] = resources.physical[ref]
            elif not name.endswith("_PARAMETER"):
                environment[name] = parameters.get(ref, defaults.get(ref, ""))
        else:
            environment[name] = str(value)
    environment.update(local_overrides)
    return environment
