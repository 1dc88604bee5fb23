"""Creates on a running moto what the functions of env.json expect to find: the table, the two
schedule groups, the bucket, the dead-letter queue and the API keys' parameter with one sample key.

The names come from env.json and the table's shape from template.yaml's `Table`, so neither is
written twice. Run through setup.sh, which picks the Python that has boto3 and PyYAML. Safe to run
again on the same moto; moto keeps nothing across a restart, so run it after each start.
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path
from urllib.parse import urlparse

import boto3
import yaml

ROOT = Path(__file__).resolve().parents[3]
# For sam local only: its hash goes into the keys' parameter of the moto this runs against.
SAMPLE_KEY = "jsk_local-admin-key-for-sam-local-only"
SAMPLE_PRINCIPAL = "local-admin"
SAMPLE_ROLE = "admin"


def template_table():
    """template.yaml's Table properties; the tags (`!Ref`…) are elsewhere in the file and unused."""

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    return template["Resources"]["Table"]["Properties"]


def create_table(dynamodb, name):
    shape = template_table()
    try:
        dynamodb.create_table(
            TableName=name,
            BillingMode=shape["BillingMode"],
            AttributeDefinitions=shape["AttributeDefinitions"],
            KeySchema=shape["KeySchema"],
            GlobalSecondaryIndexes=shape["GlobalSecondaryIndexes"],
        )
    except dynamodb.exceptions.ResourceInUseException:
        return
    dynamodb.get_waiter("table_exists").wait(TableName=name)
    ttl = shape["TimeToLiveSpecification"]
    dynamodb.update_time_to_live(
        TableName=name,
        TimeToLiveSpecification={"Enabled": bool(ttl["Enabled"]), "AttributeName": ttl["AttributeName"]},
    )


def create_group(scheduler, name):
    try:
        scheduler.create_schedule_group(Name=name)
    except scheduler.exceptions.ConflictException:
        pass


def create_bucket(s3, name):
    try:
        s3.create_bucket(Bucket=name)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass


def create_queue(sqs, arn, url):
    """The queue the DLQ ARN names; the redrive function's URL must name the same queue."""
    name = arn.rsplit(":", 1)[1]
    created = sqs.create_queue(QueueName=name, Attributes={"MessageRetentionPeriod": "1209600"})["QueueUrl"]
    if url and urlparse(url).path != urlparse(created).path:
        sys.exit(f"env.json: the redrive function's queue URL {url} is not the queue {created}")


def put_keys(ssm, name):
    digest = hashlib.sha256(SAMPLE_KEY.encode()).hexdigest()
    ssm.put_parameter(
        Name=name,
        Type="SecureString",
        Value=f"{SAMPLE_PRINCIPAL}:{SAMPLE_ROLE}:sha256:{digest}",
        Overwrite=True,
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--endpoint", default="http://127.0.0.1:5050", help="moto as seen from here")
    parser.add_argument("--env-vars", default=str(ROOT / "infra/aws/local/env.json"), help="SAM's --env-vars file")
    args = parser.parse_args()

    env = json.loads(Path(args.env_vars).read_text())
    shared = env["Parameters"]
    region = shared["JOBSMITH_EXECUTOR_ARN"].split(":")[3]
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )

    def client(service):
        return session.client(service, endpoint_url=args.endpoint)

    steps = [
        ("table", shared["JOBSMITH_TABLE"], lambda n: create_table(client("dynamodb"), n)),
        ("schedule group", shared["JOBSMITH_SCHEDULE_GROUP"], lambda n: create_group(client("scheduler"), n)),
        ("schedule group", shared["JOBSMITH_RUN_SCHEDULE_GROUP"], lambda n: create_group(client("scheduler"), n)),
        ("bucket", shared["JOBSMITH_BUCKET"], lambda n: create_bucket(client("s3"), n)),
        (
            "dead-letter queue",
            shared["JOBSMITH_DLQ_ARN"],
            lambda n: create_queue(client("sqs"), n, env["RedriveFunction"].get("JOBSMITH_DLQ_URL")),
        ),
        (
            "keys parameter",
            env["AuthorizerFunction"]["JOBSMITH_API_KEYS_PARAMETER"],
            lambda n: put_keys(client("ssm"), n),
        ),
    ]
    for what, name, step in steps:
        step(name)
        print(f"{what}: {name}")
    print(f"sample key ({SAMPLE_PRINCIPAL}, {SAMPLE_ROLE}): {SAMPLE_KEY}")


if __name__ == "__main__":
    main()
