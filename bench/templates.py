"""Benchmark: `sagewarden scan` on 1,000 CloudFormation templates, beside Checkov 3.x.

Generates 1,000 templates (YAML and JSON, short and long intrinsic forms, parameters,
conditions, every SageMaker resource type plus the IAM, S3 and Lambda resources real
stacks carry), then in the same run times one `sagewarden scan DIR` and one
`checkov -d DIR --framework cloudformation` on the same folder, each in a child process,
and prints wall time and peak memory for both. Target: at least 20x faster than Checkov,
with lower peak memory.

Checkov is installed on first use into bench/out/checkov-venv (or set CHECKOV=/path).

    .venv/bin/python bench/templates.py [--templates 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

from sidebyside import OUT, compare_and_print

YAML_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: ML stack {n}
Parameters:
  Environment:
    Type: String
    Default: {env}
  PrivateSubnet:
    Type: String
    Default: subnet-0{n:05d}
Conditions:
  IsProd: !Equals [!Ref Environment, prod]
Resources:
  ArtifactBucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "ml-artifacts-${{AWS::AccountId}}-{n}"
      VersioningConfiguration: {{Status: Enabled}}
  ExecutionRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: sagemaker.amazonaws.com}}
            Action: sts:AssumeRole
      ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonSageMakerFullAccess]
  Notebook:
    Type: AWS::SageMaker::NotebookInstance
    Properties:
      InstanceType: ml.t3.medium
      RoleArn: !GetAtt ExecutionRole.Arn
      SubnetId: !Ref PrivateSubnet
      DirectInternetAccess: {dia}
      RootAccess: !If [IsProd, Disabled, Enabled]
      PlatformIdentifier: notebook-al2023-v1
  Model:
    Type: AWS::SageMaker::Model
    Properties:
      ExecutionRoleArn: !GetAtt ExecutionRole.Arn
      EnableNetworkIsolation: {iso}
      PrimaryContainer:
        Image: !Sub "${{AWS::AccountId}}.dkr.ecr.${{AWS::Region}}.amazonaws.com/model:{n}"
  EndpointConfig:
    Type: AWS::SageMaker::EndpointConfig
    Properties:
      ProductionVariants:
        - VariantName: AllTraffic
          ModelName: !GetAtt Model.ModelName
          InitialInstanceCount: {count}
          InstanceType: ml.c5.large
  QualityJob:
    Type: AWS::SageMaker::DataQualityJobDefinition
    Properties:
      JobResources: {{ClusterConfig: {{InstanceCount: {count}, InstanceType: ml.m5.large, VolumeSizeInGB: 20}}}}
      NetworkConfig: {{EnableNetworkIsolation: {iso}, EnableInterContainerTrafficEncryption: true}}
      RoleArn: !GetAtt ExecutionRole.Arn
      DataQualityAppSpecification: {{ImageUri: monitor}}
      DataQualityJobInput: {{EndpointInput: {{EndpointName: e, LocalPath: /opt/in}}}}
      DataQualityJobOutputConfig: {{MonitoringOutputs: [{{S3Output: {{S3Uri: s3://b/o, LocalPath: /opt/out}}}}]}}
  Schedule:
    Type: AWS::SageMaker::MonitoringSchedule
    Properties:
      MonitoringScheduleName: drift-{n}
      MonitoringScheduleConfig:
        MonitoringJobDefinitionName: !GetAtt QualityJob.JobDefinitionName
        MonitoringType: DataQuality
        ScheduleConfig: {{ScheduleExpression: "cron(0 * ? * * *)"}}
  KernelImage:
    Type: AWS::SageMaker::Image
    Properties:
      ImageName: kernel-{n}
      ImageRoleArn: !GetAtt ExecutionRole.Arn
      Tags: [{{Key: team, Value: ml}}]
  KernelConfig:
    Type: AWS::SageMaker::AppImageConfig
    Properties:
      AppImageConfigName: kernel-{n}
  Handler:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Role: !GetAtt ExecutionRole.Arn
      Code: {{ZipFile: "def handler(e, c): return e"}}
"""


def generate(folder: Path, count: int) -> None:
    import yaml

    from sagewarden.sources.cloudformation import _TemplateLoader

    rnd = random.Random(7)
    folder.mkdir(parents=True)
    for n in range(count):
        text = YAML_TEMPLATE.format(
            n=n,
            env=rnd.choice(["dev", "prod"]),
            dia=rnd.choice(["Enabled", "Disabled"]),
            iso=rnd.choice(["true", "false"]),
            count=rnd.choice([1, 2]),
        )
        if n % 2:  # half JSON, long form, as CDK writes them
            doc = yaml.load(text, Loader=_TemplateLoader)
            (folder / f"stack-{n:04d}.template.json").write_text(json.dumps(doc, indent=1))
        else:
            (folder / f"stack-{n:04d}.yaml").write_text(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--templates", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    folder = OUT / f"templates-{args.templates}"
    if folder.exists():
        shutil.rmtree(folder)
    generate(folder, args.templates)
    compare_and_print(
        folder,
        "cloudformation",
        args.repeat,
        f"templates        {args.templates:,} (half YAML short form, half JSON long form)",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
