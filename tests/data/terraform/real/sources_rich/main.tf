# Terraform configuration read two ways by tests/sources/test_terraform_sources.py: as
# sources (sagewarden evaluates what it states) and as its real plan (plan.json, made by
# ../regenerate.sh sources_rich). Locals, variables with defaults and .tfvars
# (terraform.tfvars, team.auto.tfvars), a local module called with count and for_each,
# count and for_each over literals, dynamic blocks, conditionals, interpolation, merge()
# tags with the provider's default_tags, references to attributes the configuration states
# (a model's name) and to values only a plan knows (a key's ARN, a data source, a function
# sagewarden does not evaluate).

terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "5.100.0" }
  }
}

provider "aws" {
  region                      = "eu-west-1"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  default_tags {
    tags = {
      Owner = "ml-platform"
      Stage = var.stage
    }
  }
}

variable "stage" {
  type    = string
  default = "dev"
}

variable "variant_count" {
  type    = number
  default = 1
}

variable "isolate" {
  type    = bool
  default = false
}

variable "teams" {
  type    = map(string)
  default = {}
}

variable "platform" {
  type    = string
  default = "notebook-al2-v2"
}

data "aws_region" "current" {}

resource "aws_kms_key" "ml" {
  description             = "sagemaker volumes"
  deletion_window_in_days = 7
}

locals {
  prefix    = "rich-${var.stage}"
  role      = "arn:aws:iam::111122223333:role/SageMakerExecution"
  image     = "763104351884.dkr.ecr.eu-west-1.amazonaws.com/pytorch-inference:2.1-cpu-py310"
  prod      = var.stage == "prod"
  instances = local.prod ? 3 : var.variant_count
  variants = {
    blue  = 2
    green = local.instances
  }
  common_tags = merge({ CostCenter = "cc-42" }, { Project = local.prefix, Hash = sha1(local.prefix) })
  monitor     = "468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer"
}

# -- models: count over a literal, isolation from a variable set in terraform.tfvars -------

resource "aws_sagemaker_model" "scorer" {
  count                    = 2
  name                     = "${local.prefix}-scorer-${count.index}"
  execution_role_arn       = local.role
  enable_network_isolation = count.index == 0 ? var.isolate : false
  primary_container {
    image = local.image
  }
  tags = local.common_tags
}

# -- endpoint configs: for_each over a map, variants from a dynamic block --------------------

resource "aws_sagemaker_endpoint_configuration" "serving" {
  for_each = local.variants
  name     = "${local.prefix}-${each.key}"
  dynamic "production_variants" {
    for_each = range(1)
    content {
      variant_name           = "main"
      model_name             = aws_sagemaker_model.scorer[0].name
      instance_type          = "ml.m5.large"
      initial_instance_count = each.value
    }
  }
  kms_key_arn = each.key == "blue" ? aws_kms_key.ml.arn : null
  tags        = { Variant = each.key }
}

# One variant per entry of a literal list, through a dynamic block sagewarden expands.
resource "aws_sagemaker_endpoint_configuration" "ab" {
  name = "${local.prefix}-ab"
  dynamic "production_variants" {
    for_each = { a = 1, b = 2 }
    content {
      variant_name           = production_variants.key
      model_name             = aws_sagemaker_model.scorer[1].name
      instance_type          = "ml.m5.large"
      initial_instance_count = production_variants.value
    }
  }
}

# -- notebooks: the local module, for_each over the teams in team.auto.tfvars, and count -----

module "team_notebook" {
  source     = "./modules/notebook"
  for_each   = var.teams
  name       = "${local.prefix}-${each.key}"
  role_arn   = local.role
  direct     = each.value
  kms_key_id = aws_kms_key.ml.arn
  platform   = var.platform
  tags       = { Team = each.key }
}

module "shared_notebook" {
  source   = "./modules/notebook"
  count    = 1
  name     = "${local.prefix}-shared-${count.index}"
  role_arn = local.role
  direct   = "Disabled"
  platform = "notebook-al2-v3"
}

# -- images: tags from a data source (known in the plan, not in the sources) and literals ----

resource "aws_sagemaker_image" "kernel" {
  for_each   = toset(["py", "r"])
  image_name = "${local.prefix}-kernel-${each.key}"
  role_arn   = local.role
  tags = {
    Language = each.value
    Region   = data.aws_region.current.name
  }
}

resource "aws_sagemaker_app_image_config" "kernel" {
  app_image_config_name = "${local.prefix}-kernel"
  kernel_gateway_image_config {
    kernel_spec {
      name = "python3"
    }
  }
}

# -- monitoring: a job definition and a schedule that names it by reference -----------------

resource "aws_sagemaker_data_quality_job_definition" "drift" {
  name     = "${local.prefix}-drift"
  role_arn = local.role
  data_quality_app_specification {
    image_uri = local.monitor
  }
  data_quality_job_input {
    endpoint_input {
      endpoint_name = "scoring"
    }
  }
  data_quality_job_output_config {
    monitoring_outputs {
      s3_output {
        s3_uri = "s3://ml-monitoring/${local.prefix}"
      }
    }
  }
  job_resources {
    cluster_config {
      instance_count    = local.instances + 1
      instance_type     = "ml.m5.large"
      volume_size_in_gb = 20
    }
  }
  network_config {
    enable_inter_container_traffic_encryption = !local.prod
    enable_network_isolation                  = var.isolate
  }
}

resource "aws_sagemaker_monitoring_schedule" "drift" {
  name = "${local.prefix}-drift"
  monitoring_schedule_config {
    monitoring_job_definition_name = aws_sagemaker_data_quality_job_definition.drift.name
    monitoring_type                = "DataQuality"
    schedule_config {
      schedule_expression = "cron(0 * ? * * *)"
    }
  }
  tags = { Stage = upper(var.stage) }
}

# -- values only a plan (or only apply) knows ---------------------------------------------------

# Known in the plan, not in the sources: a data source, and a function sagewarden does not
# evaluate. The sources say UNKNOWN with the commands that make the plan.
resource "aws_sagemaker_notebook_instance" "regional" {
  name                   = "${local.prefix}-regional"
  role_arn               = local.role
  instance_type          = "ml.t3.medium"
  direct_internet_access = data.aws_region.current.name == "eu-west-1" ? "Disabled" : "Enabled"
  root_access            = title("disabled")
  platform_identifier    = "notebook-al2-v3"
}

# Known only after apply, in the plan as in the sources: UNKNOWN both ways.
resource "aws_sagemaker_endpoint_configuration" "later" {
  name = "${local.prefix}-later"
  production_variants {
    variant_name           = "main"
    model_name             = aws_sagemaker_model.scorer[0].name
    instance_type          = "ml.m5.large"
    initial_instance_count = length(aws_kms_key.ml.arn) > 0 ? 2 : 1
  }
}
