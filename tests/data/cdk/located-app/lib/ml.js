// A local module of the located-app: the resources it makes must point at this file.
"use strict";

const sm = require("aws-cdk-lib/aws-sagemaker");
const { Construct } = require("constructs");

const ROLE = "arn:aws:iam::111122223333:role/SageMakerExecution";
const IMAGE = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1-cpu-py310";

class MlPlatform extends Construct {
  constructor(scope, id) {
    super(scope, id);

    // PASSED SageMaker.5 (network isolation on); FAILED .16 (an Amazon ECR image).
    new sm.CfnModel(this, "IsolatedModel", {
      executionRoleArn: ROLE,
      enableNetworkIsolation: true,
      primaryContainer: { image: IMAGE },
    });

    // FAILED SageMaker.5 (EnableNetworkIsolation absent: false) and .16.
    new sm.CfnModel(this, "OpenModel", {
      executionRoleArn: ROLE,
      primaryContainer: { image: IMAGE },
    });

    // FAILED SageMaker.4 (one instance in the variant).
    new sm.CfnEndpointConfig(this, "SingleInstance", {
      productionVariants: [
        {
          variantName: "AllTraffic",
          modelName: "scoring",
          initialInstanceCount: 1,
          instanceType: "ml.m5.large",
        },
      ],
    });
  }
}

module.exports = { MlPlatform, ROLE };
