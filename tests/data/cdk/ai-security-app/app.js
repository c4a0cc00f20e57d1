// A CDK app whose synthesized output (cdk.out/, committed) is a sagewarden test fixture: the
// L1 constructs that SageMaker.16-25 read, in the shapes those controls tell apart. The
// tests read cdk.out only; ./regenerate.sh installs aws-cdk-lib and runs `cdk synth`.
// Each construct's comment says the verdicts tests/sources/test_real_ai_security.py expects.
"use strict";

const cdk = require("aws-cdk-lib");
const kms = require("aws-cdk-lib/aws-kms");
const sm = require("aws-cdk-lib/aws-sagemaker");

const ACCOUNT = "111122223333";
const REGION = "eu-west-1";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerExecution`;
const NAMED_KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const ECR_IMAGE = `763104351884.dkr.ecr.${REGION}.amazonaws.com/pytorch-inference:2.1-cpu-py310`;
// A registry inside the VPC (not Amazon ECR): what RepositoryAccessMode Vpc is for.
const VPC_IMAGE = "registry.ml.internal:5000/scoring:1.4";
const MONITOR_IMAGE = `468650794304.dkr.ecr.${REGION}.amazonaws.com/sagemaker-model-monitor-analyzer`;
const ENDPOINT = "scoring";

// No creation stack traces in the metadata: they name the temporary directory of the synth.
const app = new cdk.App({
  analyticsReporting: false,
  context: { "aws:cdk:disable-creation-stack-traces": true },
});
const stack = new cdk.Stack(app, "AiSecurityStack", {
  env: { account: ACCOUNT, region: REGION },
});

// A key made in the same stack: its ARN is a Fn::GetAtt, known only at deploy, a key all the same.
const key = new kms.CfnKey(stack, "StoreKey", {
  description: "feature store, notebook volumes, experiments",
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

// -- feature groups: SageMaker.17 (offline store key), .18 (online store key) ----------------
// OfflineStoreConfig and OnlineStoreConfig are untyped in aws-cdk-lib (Json in the
// CloudFormation schema): their keys are written as CloudFormation spells them.

const features = [
  { featureName: "record_id", featureType: "String" },
  { featureName: "event_time", featureType: "String" },
  { featureName: "amount", featureType: "Fractional" },
];

function featureGroup(id, name, stores) {
  return new sm.CfnFeatureGroup(stack, id, {
    featureGroupName: name,
    recordIdentifierFeatureName: "record_id",
    eventTimeFeatureName: "event_time",
    featureDefinitions: features,
    roleArn: ROLE,
    ...stores,
  });
}

// .17 PASSED (named key), .18 NOT_APPLICABLE (no online store).
featureGroup("OfflineKey", "offline-key", {
  offlineStoreConfig: {
    S3StorageConfig: { S3Uri: "s3://ml-feature-store/offline-key", KmsKeyId: NAMED_KEY },
  },
});

// .17 FAILED (no key), .18 PASSED (Standard, named key).
featureGroup("OfflinePlainOnlineKey", "offline-plain-online-key", {
  offlineStoreConfig: { S3StorageConfig: { S3Uri: "s3://ml-feature-store/offline-plain" } },
  onlineStoreConfig: {
    EnableOnlineStore: true,
    StorageType: "Standard",
    SecurityConfig: { KmsKeyId: NAMED_KEY },
  },
});

// .17 NOT_APPLICABLE (no offline store), .18 FAILED (Standard, no key).
featureGroup("OnlineStandardPlain", "online-standard-plain", {
  onlineStoreConfig: { EnableOnlineStore: true, StorageType: "Standard" },
});

// Both keyed by the stack's key (Fn::GetAtt), storage type left to its default (Standard):
// .17 PASSED, .18 PASSED.
featureGroup("KeysFromStack", "keys-from-stack", {
  offlineStoreConfig: {
    S3StorageConfig: { S3Uri: "s3://ml-feature-store/keys-from-stack", KmsKeyId: key.attrArn },
  },
  onlineStoreConfig: { EnableOnlineStore: true, SecurityConfig: { KmsKeyId: key.attrArn } },
});

// .17 NOT_APPLICABLE, .18 NOT_APPLICABLE (InMemory storage).
featureGroup("InMemory", "in-memory", {
  onlineStoreConfig: { EnableOnlineStore: true, StorageType: "InMemory" },
});

// .17 FAILED (no key), .18 NOT_APPLICABLE (online store disabled).
featureGroup("OnlineDisabled", "online-disabled", {
  offlineStoreConfig: { S3StorageConfig: { S3Uri: "s3://ml-feature-store/online-disabled" } },
  onlineStoreConfig: { EnableOnlineStore: false },
});

// -- models: SageMaker.16 (primary container), .19 (containers) --------------------------------

// .16 PASSED (Vpc), .19 NOT_APPLICABLE.
const vpcModel = new sm.CfnModel(stack, "PrimaryVpc", {
  modelName: "primary-vpc",
  executionRoleArn: ROLE,
  enableNetworkIsolation: true,
  primaryContainer: { image: VPC_IMAGE, imageConfig: { repositoryAccessMode: "Vpc" } },
  vpcConfig: { subnets: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
});

// .16 FAILED (Platform).
new sm.CfnModel(stack, "PrimaryPlatform", {
  modelName: "primary-platform",
  executionRoleArn: ROLE,
  primaryContainer: { image: ECR_IMAGE, imageConfig: { repositoryAccessMode: "Platform" } },
});

// .16 FAILED (no ImageConfig: pulled from Amazon ECR).
new sm.CfnModel(stack, "PrimaryEcr", {
  modelName: "primary-ecr",
  executionRoleArn: ROLE,
  primaryContainer: { image: ECR_IMAGE },
});

// .16 NOT_APPLICABLE, .19 FAILED (one Vpc, one Platform, one with no ImageConfig).
new sm.CfnModel(stack, "PipelineMixed", {
  modelName: "pipeline-mixed",
  executionRoleArn: ROLE,
  containers: [
    { image: VPC_IMAGE, imageConfig: { repositoryAccessMode: "Vpc" } },
    { image: ECR_IMAGE, imageConfig: { repositoryAccessMode: "Platform" } },
    { image: ECR_IMAGE },
  ],
  inferenceExecutionConfig: { mode: "Serial" },
});

// .16 NOT_APPLICABLE, .19 PASSED (every container Vpc).
new sm.CfnModel(stack, "PipelineVpc", {
  modelName: "pipeline-vpc",
  executionRoleArn: ROLE,
  containers: [
    { image: VPC_IMAGE, imageConfig: { repositoryAccessMode: "Vpc" } },
    {
      image: "registry.ml.internal:5000/postprocess:2.0",
      imageConfig: { repositoryAccessMode: "Vpc" },
    },
  ],
  inferenceExecutionConfig: { mode: "Serial" },
  vpcConfig: { subnets: ["subnet-0123456789abcdef0"], securityGroupIds: ["sg-0123456789abcdef0"] },
});

// -- notebooks: SageMaker.21 (volume key) -------------------------------------------------------

// .21 PASSED (the stack's key, Fn::GetAtt).
new sm.CfnNotebookInstance(stack, "KeyFromStack", {
  notebookInstanceName: "key-from-stack",
  roleArn: ROLE,
  instanceType: "ml.t3.medium",
  kmsKeyId: key.attrArn,
});

// .21 FAILED (no key).
new sm.CfnNotebookInstance(stack, "NoKey", {
  notebookInstanceName: "no-key",
  roleArn: ROLE,
  instanceType: "ml.t3.medium",
});

// -- inference experiments: SageMaker.23 (instance storage key), .24 (data storage key) --------

function experiment(id, name, extra) {
  return new sm.CfnInferenceExperiment(stack, id, {
    name,
    type: "ShadowMode",
    roleArn: ROLE,
    endpointName: ENDPOINT,
    modelVariants: ["production", "shadow"].map((variantName) => ({
      variantName,
      modelName: vpcModel.attrModelName,
      infrastructureConfig: {
        infrastructureType: "RealTimeInference",
        realTimeInferenceConfig: { instanceType: "ml.m5.large", instanceCount: 1 },
      },
    })),
    shadowModeConfig: {
      sourceModelVariantName: "production",
      shadowModelVariants: [{ shadowModelVariantName: "shadow", samplingPercentage: 50 }],
    },
    ...extra,
  });
}

// .23 PASSED, .24 PASSED (both keys named).
experiment("ExperimentKeys", "experiment-keys", {
  kmsKey: NAMED_KEY,
  dataStorageConfig: { destination: "s3://ml-experiments/keys", kmsKey: NAMED_KEY },
});

// .23 FAILED (no KmsKey), .24 FAILED (data captured with no key).
experiment("ExperimentPlain", "experiment-plain", {
  dataStorageConfig: { destination: "s3://ml-experiments/plain" },
});

// .23 PASSED (the stack's key, Fn::GetAtt), .24 NOT_APPLICABLE (no data capture).
experiment("ExperimentNoCapture", "experiment-no-capture", { kmsKey: key.attrArn });

// -- job definitions: SageMaker.20 (explainability), .25 (quality) isolation -------------------

function clusterOf(instanceCount) {
  return { clusterConfig: { instanceCount, instanceType: "ml.m5.large", volumeSizeInGb: 20 } };
}

function outputs(prefix) {
  return {
    monitoringOutputs: [
      { s3Output: { localPath: "/opt/ml/processing/output", s3Uri: `s3://ml-monitoring/${prefix}` } },
    ],
  };
}

// .20 PASSED (isolation on; 2 instances with traffic encryption, so .10 PASSED too).
new sm.CfnModelExplainabilityJobDefinition(stack, "ExplainabilityIsolated", {
  jobDefinitionName: "explainability-isolated",
  roleArn: ROLE,
  jobResources: clusterOf(2),
  modelExplainabilityAppSpecification: {
    imageUri: MONITOR_IMAGE,
    configUri: "s3://ml-monitoring/explainability/analysis_config.json",
  },
  modelExplainabilityJobInput: {
    endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input" },
  },
  modelExplainabilityJobOutputConfig: outputs("explainability-isolated"),
  networkConfig: { enableNetworkIsolation: true, enableInterContainerTrafficEncryption: true },
});

// .20 FAILED (no NetworkConfig).
new sm.CfnModelExplainabilityJobDefinition(stack, "ExplainabilityOpen", {
  jobDefinitionName: "explainability-open",
  roleArn: ROLE,
  jobResources: clusterOf(1),
  modelExplainabilityAppSpecification: {
    imageUri: MONITOR_IMAGE,
    configUri: "s3://ml-monitoring/explainability/analysis_config.json",
  },
  modelExplainabilityJobInput: {
    endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input" },
  },
  modelExplainabilityJobOutputConfig: outputs("explainability-open"),
});

function qualityJob(id, name, networkConfig) {
  return new sm.CfnModelQualityJobDefinition(stack, id, {
    jobDefinitionName: name,
    roleArn: ROLE,
    jobResources: clusterOf(2),
    modelQualityAppSpecification: { imageUri: MONITOR_IMAGE, problemType: "BinaryClassification" },
    modelQualityJobInput: {
      endpointInput: {
        endpointName: ENDPOINT,
        localPath: "/opt/ml/processing/input",
        inferenceAttribute: "prediction",
      },
      groundTruthS3Input: { s3Uri: "s3://ml-monitoring/ground-truth" },
    },
    modelQualityJobOutputConfig: outputs(name),
    networkConfig,
  });
}

// .25 PASSED (isolation on), .13 PASSED (traffic encrypted).
const isolatedQuality = qualityJob("QualityIsolated", "quality-isolated", {
  enableNetworkIsolation: true,
  enableInterContainerTrafficEncryption: true,
});

// .25 FAILED (isolation off), .13 FAILED.
const openQuality = qualityJob("QualityOpen", "quality-open", { enableNetworkIsolation: false });

// -- monitoring schedules: SageMaker.22 (inline traffic encryption), and .14 -------------------

const DAILY = { scheduleExpression: "cron(0 0 ? * * *)" };

function inlineSchedule(id, name, networkConfig) {
  return new sm.CfnMonitoringSchedule(stack, id, {
    monitoringScheduleName: name,
    monitoringScheduleConfig: {
      scheduleConfig: DAILY,
      monitoringJobDefinition: {
        roleArn: ROLE,
        monitoringAppSpecification: { imageUri: MONITOR_IMAGE },
        monitoringInputs: [
          { endpointInput: { endpointName: ENDPOINT, localPath: "/opt/ml/processing/input" } },
        ],
        monitoringOutputConfig: outputs(name),
        // One instance: .22 has no instance-count condition, unlike .9/.10/.13/.15.
        monitoringResources: clusterOf(1),
        networkConfig,
      },
    },
  });
}

// .22 PASSED (traffic encrypted), .14 PASSED (isolated).
inlineSchedule("InlineEncrypted", "inline-encrypted", {
  enableInterContainerTrafficEncryption: true,
  enableNetworkIsolation: true,
});

// .22 FAILED (encryption off), .14 PASSED (isolated).
inlineSchedule("InlinePlain", "inline-plain", {
  enableInterContainerTrafficEncryption: false,
  enableNetworkIsolation: true,
});

// .22 FAILED (no NetworkConfig), .14 FAILED.
inlineSchedule("InlineNoNetwork", "inline-no-network", undefined);

// By reference: .22 NOT_APPLICABLE by default (the opposite of .14, FAILED by default); with
// resolveReferences the referenced definition decides.
function referencingSchedule(id, name, job) {
  const schedule = new sm.CfnMonitoringSchedule(stack, id, {
    monitoringScheduleName: name,
    monitoringScheduleConfig: {
      scheduleConfig: DAILY,
      monitoringJobDefinitionName: job.jobDefinitionName,
      monitoringType: "ModelQuality",
    },
  });
  schedule.addResourceDependency(job);
  return schedule;
}

referencingSchedule("ReferencesIsolated", "references-isolated", isolatedQuality);
referencingSchedule("ReferencesOpen", "references-open", openQuality);

app.synth();
