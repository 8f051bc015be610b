"""TimeBack: OneRoster 1.2 (later QTI, PowerPath, Caliper) behind Cognito client credentials."""
