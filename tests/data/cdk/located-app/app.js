// A CDK app whose synthesized output (cdk.out/, committed) is a sagewarden test fixture for
// source locations: synthesized WITH creation stacks (the default of aws-cdk-lib 2.x), so
// every finding can name the line below, or the one in lib/ml.js, that made its resource.
// The tests read cdk.out and these sources; ./regenerate.sh runs `cdk synth` again.
// Expected verdicts: tests/sources/test_cdk_locations.py.
"use strict";

const cdk = require("aws-cdk-lib");
const sm = require("aws-cdk-lib/aws-sagemaker");
const { MlPlatform, ROLE } = require("./lib/ml");

const app = new cdk.App({ analyticsReporting: false });
const stack = new cdk.Stack(app, "LocatedStack", {
  env: { account: "111122223333", region: "eu-west-1" },
});

// FAILED SageMaker.1 (DirectInternetAccess absent: Enabled), .2 (no subnet), .3 (root
// access by default), .21 (no key); PASSED .8 (a supported platform).
new sm.CfnNotebookInstance(stack, "OpenNotebook", {
  instanceType: "ml.t3.medium",
  roleArn: ROLE,
  platformIdentifier: "notebook-al2023-v1",
});

// PASSED SageMaker.1, .2, .3, .21 and .8: internet off, in a subnet, no root, a key.
new sm.CfnNotebookInstance(stack, "ClosedNotebook", {
  instanceType: "ml.t3.medium",
  roleArn: ROLE,
  directInternetAccess: "Disabled",
  subnetId: "subnet-0abc1234def567890",
  securityGroupIds: ["sg-0abc1234def567890"],
  rootAccess: "Disabled",
  kmsKeyId: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  platformIdentifier: "notebook-al2023-v1",
});

// Two models made in lib/ml.js, under the construct path LocatedStack/Platform/...
new MlPlatform(stack, "Platform");

// A nested stack: its resources are in their own template (*.nested.template.json), their
// metadata in the parent stack's. FAILED SageMaker.5 (isolation off).
class Training extends cdk.NestedStack {
  constructor(scope, id) {
    super(scope, id);
    new sm.CfnModel(this, "NestedModel", {
      executionRoleArn: ROLE,
      enableNetworkIsolation: false,
      primaryContainer: { image: "registry.ml.internal:5000/train:1.0" },
    });
  }
}
new Training(stack, "Training");

// A stage: its own cloud assembly in cdk.out/assembly-Prod. PASSED SageMaker.5.
const prod = new cdk.Stage(app, "Prod", {
  env: { account: "111122223333", region: "eu-west-1" },
});
const prodStack = new cdk.Stack(prod, "ProdStack");
new sm.CfnModel(prodStack, "ProdModel", {
  executionRoleArn: ROLE,
  enableNetworkIsolation: true,
  primaryContainer: { image: "registry.ml.internal:5000/scoring:1.4" },
});

app.synth();
