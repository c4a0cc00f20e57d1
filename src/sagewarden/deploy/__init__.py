"""`sagewarden deploy config-rules` and `sagewarden package lambda`: the controls as AWS
Config custom Lambda rules (one account, or the organization form) and the Lambda
deployment zip that runs `sagewarden.configrule.handler`."""
