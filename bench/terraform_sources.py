"""Benchmark: `sagewarden scan DIR` on 1,000 Terraform `.tf` files, beside Checkov 3.x.

Generates 100 root modules of 10 files each (provider with default_tags, variables with
defaults, terraform.tfvars, locals, count and for_each, every hashicorp/aws SageMaker type
plus the IAM, S3, KMS and VPC resources real stacks carry), then in the same run times one
`sagewarden scan DIR` and one `checkov -d DIR --framework terraform` on the same folder, each
in a child process, and prints wall time and peak memory for both. Target: at least 20x
faster than Checkov (as for templates), with lower peak memory.

Checkov is installed on first use into bench/out/checkov-venv (or set CHECKOV=/path).

    .venv/bin/python bench/terraform_sources.py [--files 1000] [--repeat 3] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import shutil
from pathlib import Path

from sidebyside import OUT, compare_and_print

FILES_PER_STACK = 10

STACK = {
    "versions.tf": """\
terraform {{
  required_providers {{
    aws = {{ source = "hashicorp/aws", version = ">= 5.0" }}
  }}
}}

provider "aws" {{
  region = var.region
  default_tags {{
    tags = {{ Owner = "ml-platform", Stack = "stack-{n}" }}
  }}
}}
""",
    "variables.tf": """\
variable "region" {{
  type    = string
  default = "eu-west-1"
}}

variable "stage" {{
  type    = string
  default = "{stage}"
}}

variable "isolate" {{
  type    = bool
  default = {iso}
}}

variable "variant_count" {{
  type    = number
  default = {count}
}}

variable "teams" {{
  type    = map(string)
  default = {{ fraud = "Disabled", churn = "{dia}" }}
}}
""",
    "terraform.tfvars": """\
stage = "{stage}"
""",
    "locals.tf": """\
locals {{
  prefix  = "ml-${{var.stage}}-{n}"
  role    = aws_iam_role.sagemaker.arn
  image   = "763104351884.dkr.ecr.${{var.region}}.amazonaws.com/pytorch-inference:2.1-cpu-py310"
  monitor = "468650794304.dkr.ecr.${{var.region}}.amazonaws.com/sagemaker-model-monitor-analyzer"
  prod    = var.stage == "prod"
  tags    = merge({{ CostCenter = "cc-{n}" }}, {{ Stage = var.stage }})
}}
""",
    "iam.tf": """\
data "aws_iam_policy_document" "assume" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }}
  }}
}}

resource "aws_iam_role" "sagemaker" {{
  name               = "${{local.prefix}}-sagemaker"
  assume_role_policy = data.aws_iam_policy_document.assume.json
}}

resource "aws_iam_role_policy_attachment" "full" {{
  role       = aws_iam_role.sagemaker.name
  policy_arn = "arn:aws:iam::aws:policy/AmazonSageMakerFullAccess"
}}
""",
    "storage.tf": """\
resource "aws_kms_key" "ml" {{
  description             = "ml volumes"
  deletion_window_in_days = 7
  enable_key_rotation     = true
}}

resource "aws_s3_bucket" "artifacts" {{
  bucket = "${{local.prefix}}-artifacts"
  tags   = local.tags
}}

resource "aws_s3_bucket_versioning" "artifacts" {{
  bucket = aws_s3_bucket.artifacts.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_vpc" "ml" {{
  cidr_block = "10.{octet}.0.0/16"
}}

resource "aws_subnet" "private" {{
  vpc_id     = aws_vpc.ml.id
  cidr_block = "10.{octet}.1.0/24"
}}
""",
    "notebooks.tf": """\
resource "aws_sagemaker_notebook_instance" "team" {{
  for_each               = var.teams
  name                   = "${{local.prefix}}-${{each.key}}"
  role_arn               = local.role
  instance_type          = "ml.t3.medium"
  subnet_id              = aws_subnet.private.id
  direct_internet_access = each.value
  root_access            = local.prod ? "Disabled" : "Enabled"
  kms_key_id             = aws_kms_key.ml.arn
  platform_identifier    = "notebook-al2-v3"
  tags                   = local.tags
}}
""",
    "models.tf": """\
resource "aws_sagemaker_model" "scorer" {{
  count                    = 2
  name                     = "${{local.prefix}}-scorer-${{count.index}}"
  execution_role_arn       = local.role
  enable_network_isolation = var.isolate
  primary_container {{
    image = local.image
  }}
  tags = local.tags
}}

resource "aws_sagemaker_endpoint_configuration" "serving" {{
  name = "${{local.prefix}}-serving"
  production_variants {{
    variant_name           = "main"
    model_name             = aws_sagemaker_model.scorer[0].name
    instance_type          = "ml.c5.large"
    initial_instance_count = local.prod ? 3 : var.variant_count
  }}
  kms_key_arn = aws_kms_key.ml.arn
}}
""",
    "monitoring.tf": """\
resource "aws_sagemaker_data_quality_job_definition" "drift" {{
  name     = "${{local.prefix}}-drift"
  role_arn = local.role
  data_quality_app_specification {{
    image_uri = local.monitor
  }}
  data_quality_job_input {{
    endpoint_input {{
      endpoint_name = "scoring"
    }}
  }}
  data_quality_job_output_config {{
    monitoring_outputs {{
      s3_output {{
        s3_uri = "s3://${{aws_s3_bucket.artifacts.bucket}}/monitoring"
      }}
    }}
  }}
  job_resources {{
    cluster_config {{
      instance_count    = var.variant_count
      instance_type     = "ml.m5.large"
      volume_size_in_gb = 20
    }}
  }}
  network_config {{
    enable_inter_container_traffic_encryption = true
    enable_network_isolation                  = var.isolate
  }}
}}

resource "aws_sagemaker_monitoring_schedule" "drift" {{
  name = "${{local.prefix}}-drift"
  monitoring_schedule_config {{
    monitoring_job_definition_name = aws_sagemaker_data_quality_job_definition.drift.name
    monitoring_type                = "DataQuality"
    schedule_config {{
      schedule_expression = "cron(0 * ? * * *)"
    }}
  }}
}}
""",
    "images.tf": """\
resource "aws_sagemaker_image" "kernel" {{
  image_name = "${{local.prefix}}-kernel"
  role_arn   = local.role
  tags       = {{ team = "ml" }}
}}

resource "aws_sagemaker_app_image_config" "kernel" {{
  app_image_config_name = "${{local.prefix}}-kernel"
  kernel_gateway_image_config {{
    kernel_spec {{
      name = "python3"
    }}
  }}
}}
""",
    "outputs.tf": """\
output "notebooks" {{
  value = [for nb in aws_sagemaker_notebook_instance.team : nb.name]
}}

output "endpoint_config" {{
  value = aws_sagemaker_endpoint_configuration.serving.name
}}
""",
}


def generate(folder: Path, files: int) -> int:
    """`files` .tf files (tfvars not counted) in stacks of FILES_PER_STACK; the stacks made."""
    rnd = random.Random(7)
    tf_names = [n for n in STACK if n.endswith(".tf")]
    stacks = max(1, files // len(tf_names))
    for n in range(stacks):
        stack = folder / f"stack-{n:03d}"
        stack.mkdir(parents=True)
        values = {
            "n": n,
            "octet": n % 250,
            "stage": rnd.choice(["dev", "prod"]),
            "iso": rnd.choice(["true", "false"]),
            "dia": rnd.choice(["Enabled", "Disabled"]),
            "count": rnd.choice([1, 2]),
        }
        for name, text in STACK.items():
            (stack / name).write_text(text.format(**values))
    return stacks


def profile(folder: Path) -> None:
    """Where sagewarden's time goes reading the folder (parse vs evaluate), in-process."""
    from sagewarden.sources.files import read_files

    prof = cProfile.Profile()
    prof.enable()
    read_files([str(folder)])
    prof.disable()
    pstats.Stats(prof).sort_stats("cumulative").print_stats(18)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="print where sagewarden's time goes")
    args = ap.parse_args()
    folder = OUT / f"terraform-{args.files}"
    if folder.exists():
        shutil.rmtree(folder)
    stacks = generate(folder, args.files)
    if args.profile:
        profile(folder)
    tf_files = stacks * sum(1 for n in STACK if n.endswith(".tf"))
    what = f"terraform files  {tf_files:,} .tf in {stacks} root modules (+ terraform.tfvars each)"
    compare_and_print(folder, "terraform", args.repeat, what)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
