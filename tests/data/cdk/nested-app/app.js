// A CDK app whose synthesized output (cdk.out/, committed) is a sagewarden test fixture for
// what CDK generates around the resources: a nested stack fed by its parent's parameters and
// resources, a cross-stack reference (an export and its Fn::ImportValue), a monitoring schedule
// naming its job definition through Fn::Select/Fn::Split of its Arn, stacks with and without an
// environment, and a Stage (a nested cloud assembly). The tests read cdk.out only;
// ./regenerate.sh installs aws-cdk-lib and runs `cdk synth`. Each construct's comment says the
// verdicts tests/sources/test_cdk_assembly.py expects of a scan of cdk.out as a whole.
"use strict";

const cdk = require("aws-cdk-lib");
const kms = require("aws-cdk-lib/aws-kms");
const sm = require("aws-cdk-lib/aws-sagemaker");

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerExecution`;
const IMAGE = `763104351884.dkr.ecr.${REGION}.amazonaws.com/pytorch-inference:2.1-cpu-py310`;
const MONITOR_IMAGE = `468650794304.dkr.ecr.${REGION}.amazonaws.com/sagemaker-model-monitor-analyzer`;
const SUBNET = "subnet-0123456789abcdef0";
const GROUP = "sg-0123456789abcdef0";
const ENDPOINT = "scoring";

// No creation stack traces in the metadata: they name the temporary directory of the synth.
// Cross-stack references are CDK's default, strong ones (an export and its Fn::ImportValue).
const app = new cdk.App({
  analyticsReporting: false,
  context: {
    "aws:cdk:disable-creation-stack-traces": true,
    "@aws-cdk/core:defaultCrossStackReferences": "strong",
  },
});

// Instances per production variant, by Region: 2 in eu-west-1, 1 in us-east-1. An endpoint
// config reads it with the AWS::Region pseudo parameter, so its SageMaker.4 verdict is exact
// only where the stack's Region is known (the manifest's environment says it).
function capacity(scope) {
  return new cdk.CfnMapping(scope, "Capacity", {
    mapping: { "eu-west-1": { Instances: 2 }, "us-east-1": { Instances: 1 } },
  });
}

function endpointConfig(scope, id, name, instances) {
  return new sm.CfnEndpointConfig(scope, id, {
    endpointConfigName: name,
    productionVariants: [
      {
        variantName: "main",
        modelName: "scoring-model",
        instanceType: "ml.m5.large",
        initialInstanceCount: instances,
        initialVariantWeight: 1,
      },
    ],
  });
}

function regionalEndpointConfig(scope, id, name) {
  const instances = capacity(scope).findInMap(cdk.Aws.REGION, "Instances");
  return endpointConfig(scope, id, name, cdk.Token.asNumber(instances));
}

// -- PlatformStack: an explicit environment (aws://111122223333/eu-west-1) ----------------------

const platform = new cdk.Stack(app, "PlatformStack", { env: { account: ACCOUNT, region: REGION } });

const directInternet = new cdk.CfnParameter(platform, "DirectInternet", {
  type: "String",
  allowedValues: ["Enabled", "Disabled"],
  default: "Disabled",
});
const rootAccess = new cdk.CfnParameter(platform, "RootAccess", {
  type: "String",
  allowedValues: ["Enabled", "Disabled"],
  default: "Disabled",
});
const variantInstances = new cdk.CfnParameter(platform, "VariantInstances", {
  type: "Number",
  default: 2,
});

const key = new kms.CfnKey(platform, "PlatformKey", {
  description: "notebook volumes",
  keyPolicy: {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Root",
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` },
        Action: "kms:*",
        Resource: "*",
      },
    ],
  },
});

// SageMaker.4 PASSED: AWS::Region is eu-west-1 (the manifest), 2 instances.
regionalEndpointConfig(platform, "RegionalConfig", "platform-regional");

// A nested stack whose resources read what the parent passes: CDK turns each reference to the
// parent's parameters and resources into a parameter of the nested template and a value in the
// parent's AWS::CloudFormation::Stack Parameters.
const notebooks = new cdk.NestedStack(platform, "Notebooks");

// SageMaker.1 PASSED (DirectInternet defaults to Disabled in the parent; FAILED with
// --cfn-param DirectInternet=Enabled), .2 PASSED (a subnet), .3 PASSED (RootAccess
// defaults to Disabled), .21 PASSED (the parent's key: !GetAtt PlatformKey.Arn).
new sm.CfnNotebookInstance(notebooks, "Notebook", {
  notebookInstanceName: "research",
  roleArn: ROLE,
  instanceType: "ml.t3.medium",
  platformIdentifier: "notebook-al2023-v1",
  directInternetAccess: directInternet.valueAsString,
  rootAccess: rootAccess.valueAsString,
  subnetId: SUBNET,
  securityGroupIds: [GROUP],
  kmsKeyId: key.attrArn,
});

// SageMaker.4 PASSED (the parent's VariantInstances: 2; FAILED with VariantInstances=1).
endpointConfig(notebooks, "NestedConfig", "nested-config", variantInstances.valueAsNumber);

// A job definition without a name, and a schedule that names it the way CDK code must:
// the name is the last part of its Arn (Fn::Select 1 of Fn::Split "/" of Fn::GetAtt).
// SageMaker.11 PASSED, .9 FAILED (no traffic encryption).
const quality = new sm.CfnDataQualityJobDefinition(platform, "QualityJob", {
  roleArn: ROLE,
  jobResources: {
    clusterConfig: { instanceCount: 2, instanceType: "ml.m5.large", volumeSizeInGb: 20 },
  },
  dataQualityAppSpecification: { imageUri: MONITOR_IMAGE },
  dataQualityJobInput: {
    endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input" },
  },
  dataQualityJobOutputConfig: {
    monitoringOutputs: [
      { s3Output: { localPath: "/opt/ml/processing/output", s3Uri: "s3://ml-monitoring/quality" } },
    ],
  },
  networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: false },
});

// With resolveReferences=true: SageMaker.14 PASSED (the definition is isolated), .22 FAILED
// (it does not encrypt traffic). Without: .14 FAILED and .22 NOT_APPLICABLE, naming QualityJob.
new sm.CfnMonitoringSchedule(platform, "QualitySchedule", {
  monitoringScheduleName: "quality-daily",
  monitoringScheduleConfig: {
    scheduleConfig: { scheduleExpression: "cron(0 0 ? * * *)" },
    monitoringType: "DataQuality",
    monitoringJobDefinitionName: cdk.Fn.select(1, cdk.Fn.split("/", quality.attrJobDefinitionArn)),
  },
});

// -- ServingStack: the same environment, reading PlatformStack through exports -------------------

const serving = new cdk.Stack(app, "ServingStack", { env: { account: ACCOUNT, region: REGION } });

// Passing the parent's parameters and key to another stack makes CDK export them from
// PlatformStack and import them here (Fn::ImportValue). SageMaker.3 PASSED (RootAccess is
// Disabled in PlatformStack), .21 PASSED (the key, known at deploy), .1 PASSED, .2 PASSED.
new sm.CfnNotebookInstance(serving, "ServingNotebook", {
  notebookInstanceName: "serving",
  roleArn: ROLE,
  instanceType: "ml.t3.medium",
  platformIdentifier: "notebook-al2023-v1",
  directInternetAccess: "Disabled",
  rootAccess: rootAccess.valueAsString,
  subnetId: SUBNET,
  securityGroupIds: [GROUP],
  kmsKeyId: key.attrArn,
});

// SageMaker.4 PASSED (PlatformStack's VariantInstances: 2, through its export).
endpointConfig(serving, "ServingConfig", "serving-config", variantInstances.valueAsNumber);

// -- SandboxStack: environment-agnostic (aws://unknown-account/unknown-region) ------------------

const sandbox = new cdk.Stack(app, "SandboxStack");

// SageMaker.4 UNKNOWN: the Region is not known, and the instances differ by Region.
regionalEndpointConfig(sandbox, "SandboxConfig", "sandbox-regional");

// -- Prod: a Stage (a nested cloud assembly, assembly-Prod/) in us-east-1 ----------------------

const prod = new cdk.Stage(app, "Prod", { env: { account: "444455556666", region: "us-east-1" } });
const model = new cdk.Stack(prod, "ModelStack");

// SageMaker.4 FAILED: AWS::Region is us-east-1 (the stage's environment), 1 instance.
regionalEndpointConfig(model, "ProdConfig", "prod-regional");

// SageMaker.5 PASSED (network isolation).
new sm.CfnModel(model, "ProdModel", {
  modelName: "prod-model",
  executionRoleArn: `arn:aws:iam::444455556666:role/SageMakerExecution`,
  primaryContainer: { image: IMAGE },
  enableNetworkIsolation: true,
});

app.synth();
