#!/usr/bin/env bash
# Deploy or tear down one stage's stack with the aws CLI (make deploy / make destroy).
#
#   scripts/stack.sh deploy  STAGE REGION TEMPLATE_DIR [ARTIFACTS] [ALARM_EMAIL]
#   scripts/stack.sh destroy STAGE REGION [CONFIRM]
#
# deploy: creates the artifacts bucket when it is missing (private, encrypted, named after the account and
# region unless ARTIFACTS names one), refuses to go on before the skill secret exists in SSM, packages and
# deploys the stack haengjeong-STAGE, prints its outputs and brings the tables' items to this version's
# layout (scripts/migrate.py). destroy: deletes the stack; the tables and the export bucket are kept
# (DeletionPolicy Retain, deletion protection), and the commands to delete them for good are printed.
set -euo pipefail

action=$1; stage=$2; region=$3
stack="haengjeong-${stage}"
aws_() { aws --region "$region" "$@"; }

case "$action" in
deploy)
    dir=$4; artifacts=${5:-}; email=${6:-}
    account=$(aws_ sts get-caller-identity --query Account --output text)
    artifacts=${artifacts:-haengjeong-artifacts-${account}-${region}}
    if ! aws_ s3api head-bucket --bucket "$artifacts" 2>/dev/null; then
        echo "creating the artifacts bucket $artifacts"
        aws_ s3api create-bucket --bucket "$artifacts" --create-bucket-configuration "LocationConstraint=$region"
        aws_ s3api put-public-access-block --bucket "$artifacts" --public-access-block-configuration \
            BlockPublicAcls=true,IgnorePublicAcls=true,BlockPublicPolicy=true,RestrictPublicBuckets=true
        aws_ s3api put-bucket-encryption --bucket "$artifacts" --server-side-encryption-configuration \
            '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
    fi
    if ! aws_ ssm get-parameter --name "/haengjeong/${stage}/skill-secret" --query Parameter.Name --output text >/dev/null 2>&1; then
        echo "no skill secret in SSM for ${stage}: run make rotate-secret STAGE=${stage} first" >&2
        exit 1
    fi
    aws_ cloudformation package --template-file "$dir/sam.json" --s3-bucket "$artifacts" \
        --output-template-file "$dir/packaged.json" --use-json
    overrides=()
    if [ -n "$email" ]; then overrides=(--parameter-overrides "AlarmEmail=$email"); fi
    aws_ cloudformation deploy --template-file "$dir/packaged.json" --stack-name "$stack" \
        --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --no-fail-on-empty-changeset "${overrides[@]}"
    aws_ cloudformation describe-stacks --stack-name "$stack" --query 'Stacks[0].Outputs' --output table
    ;;
destroy)
    confirm=${4:-}
    if [ "$stage" = "prod" ] && [ "$confirm" != "prod" ]; then
        echo "refusing to delete the prod stack: run make destroy STAGE=prod CONFIRM=prod" >&2
        exit 2
    fi
    aws_ cloudformation delete-stack --stack-name "$stack"
    aws_ cloudformation wait stack-delete-complete --stack-name "$stack"
    account=$(aws_ sts get-caller-identity --query Account --output text)
    echo "deleted the stack $stack. Kept (data): the tables ${stack}-{users,surveys,answers,audit,roster} and"
    echo "the bucket ${stack}-exports-${account}. To delete them for good (after a backup you trust):"
    for t in users surveys answers audit roster; do
        echo "  aws --region $region dynamodb update-table --table-name ${stack}-$t --no-deletion-protection-enabled"
        echo "  aws --region $region dynamodb delete-table --table-name ${stack}-$t"
    done
    echo "  aws --region $region s3 rb s3://${stack}-exports-${account} --force"
    ;;
*)
    echo "usage: $0 deploy|destroy ..." >&2; exit 2 ;;
esac
