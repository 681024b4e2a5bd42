"""The SAM template, transformed offline by aws-sam-translator (its ``Translator``, driven the way
``samtranslator.translator.transform.transform`` does, with a stub managed-policy loader) into what
CloudFormation receives: Cognito wiring, permissions, none of SAM's Cognito-event pitfalls."""

from __future__ import annotations

import copy
import re
import tomllib
from pathlib import Path
from typing import Any

import boto3
import pytest
from samtranslator.parser.parser import Parser  # type: ignore[import-untyped]
from samtranslator.translator.arn_generator import ArnGenerator  # type: ignore[import-untyped]
from samtranslator.translator.translator import Translator  # type: ignore[import-untyped]

from cognito_triggers import TriggerFamily
from cognito_triggers_tools.cfn import Template, load_template, logical_id_of_arn
from cognito_triggers_tools.check import NOT_TRIGGERS, OBJECT_KEYS, check_template

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "template.yaml"


class _NoManagedPolicies:
    """Offline stand-in for the IAM lookup SAM does for managed policy names."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def source() -> dict[str, Any]:
    return load_template(TEMPLATE).data


@pytest.fixture(scope="module")
def cfn(source: dict[str, Any]) -> dict[str, Any]:
    # The partition SAM writes into ARNs comes from a region; no AWS configuration is read.
    saved = ArnGenerator.BOTO_SESSION_REGION_NAME
    ArnGenerator.BOTO_SESSION_REGION_NAME = "us-east-1"
    try:
        translator = Translator(
            None, Parser(), boto_session=boto3.session.Session(region_name="us-east-1")
        )
        packaged = copy.deepcopy(source)
        # What `sam package` does: local code folders become S3 objects.
        packaged["Globals"]["Function"]["CodeUri"] = "s3://bucket/triggers.zip"
        for resource in packaged["Resources"].values():
            if resource["Type"] == "AWS::Serverless::LayerVersion":
                resource["Properties"]["ContentUri"] = "s3://bucket/layer.zip"
            elif "CodeUri" in resource.get("Properties", {}):
                resource["Properties"]["CodeUri"] = "s3://bucket/own-folder.zip"
        output: dict[str, Any] = translator.translate(
            packaged,
            {"Architecture": "arm64"},
            get_managed_policy_map=_NoManagedPolicies().load,
        )
    finally:
        ArnGenerator.BOTO_SESSION_REGION_NAME = saved
    return output


def _of_type(cfn: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in cfn["Resources"].items() if v["Type"] == kind}


def _pool(cfn: dict[str, Any]) -> dict[str, Any]:
    pools = _of_type(cfn, "AWS::Cognito::UserPool")
    assert list(pools) == ["UserPool"]
    props: dict[str, Any] = pools["UserPool"]["Properties"]
    return props


def test_every_lambda_config_key_is_a_trigger_pointing_at_a_function(cfn: dict[str, Any]) -> None:
    functions = _of_type(cfn, "AWS::Lambda::Function")
    config = _pool(cfn)["LambdaConfig"]
    string_keys = {f.lambda_config_key for f in TriggerFamily} - set(OBJECT_KEYS)
    for key, value in config.items():
        if key in NOT_TRIGGERS:
            continue
        assert key in string_keys | set(OBJECT_KEYS), f"{key} is not a LambdaConfig trigger key"
        arn = value["LambdaArn"] if key in OBJECT_KEYS else value
        assert logical_id_of_arn(arn) in functions, f"{key} -> {arn}"
    expected = {
        "PreSignUp",
        "PostConfirmation",
        "PreAuthentication",
        "PostAuthentication",
        "DefineAuthChallenge",
        "CreateAuthChallenge",
        "VerifyAuthChallengeResponse",
        "CustomMessage",
        "UserMigration",
        "PreTokenGenerationConfig",
        "CustomEmailSender",
        "CustomSMSSender",
        "InboundFederation",
        "KMSKeyID",
    }
    assert set(config) == expected


def test_pre_token_generation_is_an_object_with_v3(cfn: dict[str, Any]) -> None:
    pool = _pool(cfn)
    config = pool["LambdaConfig"]["PreTokenGenerationConfig"]
    assert isinstance(config, dict)
    assert config["LambdaVersion"] == "V3_0"
    assert logical_id_of_arn(config["LambdaArn"]) == "PreTokenGenerationFunction"
    assert "PreTokenGeneration" not in pool["LambdaConfig"]  # or it would have to be identical
    assert pool["UserPoolTier"] == "ESSENTIALS"  # V3 needs Essentials or Plus


def test_object_keys_are_never_strings(cfn: dict[str, Any]) -> None:
    # SAM's `Events: Type: Cognito` writes a string even where CloudFormation wants an object.
    for key, value in _pool(cfn)["LambdaConfig"].items():
        if key in OBJECT_KEYS:
            assert isinstance(value, dict)
            assert {"LambdaArn", "LambdaVersion"} <= set(value)


def test_no_sam_cognito_events(source: dict[str, Any]) -> None:
    for name, resource in source["Resources"].items():
        events = (resource.get("Properties") or {}).get("Events") or {}
        kinds = {e.get("Type") for e in events.values()}
        assert "Cognito" not in kinds, f"{name} uses SAM's Cognito event"


def test_one_permission_per_function_with_source_arn_and_account(cfn: dict[str, Any]) -> None:
    functions = _of_type(cfn, "AWS::Lambda::Function")
    by_function: dict[str, list[dict[str, Any]]] = {fn: [] for fn in functions}
    for permission in _of_type(cfn, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        assert props["Principal"] == "cognito-idp.amazonaws.com"
        assert props["Action"] == "lambda:InvokeFunction"
        by_function[str(logical_id_of_arn(props["FunctionName"]))].append(props)
    for fn, permissions in by_function.items():
        assert len(permissions) == 1, f"{fn}: {len(permissions)} Cognito permissions"
        assert logical_id_of_arn(permissions[0]["SourceArn"]) == "UserPool"
        assert permissions[0]["SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_functions_fit_cognitos_budget_and_the_architecture_parameter(
    cfn: dict[str, Any],
) -> None:
    for name, fn in _of_type(cfn, "AWS::Lambda::Function").items():
        props = fn["Properties"]
        assert props["Runtime"] == "python3.13", name
        assert props["Timeout"] <= 5, name
        assert props["Architectures"] == [{"Ref": "Architecture"}], name
        variables = props["Environment"]["Variables"]
        for setting in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"):
            assert setting in variables, name  # cognito_triggers.Metrics reads them


def test_functions_log_json_at_info_which_keeps_botocore_quiet_and_the_metrics(
    cfn: dict[str, Any],
) -> None:
    """The examples log through the standard `logging`, which Lambda's runtime writes as JSON
    only with `LogFormat: JSON`. The level is the root logger's, so boto3's too: not DEBUG. And
    Lambda files the metrics' EMF lines, which have no "level", as INFO: not WARN or above."""
    for name, fn in _of_type(cfn, "AWS::Lambda::Function").items():
        config = fn["Properties"]["LoggingConfig"]
        assert config == {"LogFormat": "JSON", "ApplicationLogLevel": "INFO"}, name


def _statements(cfn: dict[str, Any], function: str) -> list[dict[str, Any]]:
    role = cfn["Resources"][f"{function}Role"]["Properties"]
    return [s for policy in role.get("Policies", []) for s in policy["PolicyDocument"]["Statement"]]


def test_least_privilege(cfn: dict[str, Any]) -> None:
    granted = {
        fn: sorted(
            action
            for s in _statements(cfn, fn)
            for action in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
        )
        for fn in _of_type(cfn, "AWS::Lambda::Function")
    }
    assert granted == {
        "PreSignUpFunction": [],
        "PostConfirmationFunction": ["cognito-idp:AdminAddUserToGroup"],
        "PreAuthenticationFunction": [],
        "PostAuthenticationFunction": [],
        "DefineAuthChallengeFunction": [],
        "CreateAuthChallengeFunction": ["ses:SendEmail"],
        "VerifyAuthChallengeFunction": [],
        "PreTokenGenerationFunction": ["ssm:GetParameter"],
        "CustomMessageFunction": [],
        "UserMigrationFunction": ["dynamodb:GetItem"],
        "CustomEmailSenderFunction": ["cognito-idp:AdminGetUser", "kms:Decrypt", "ses:SendEmail"],
        "CustomSMSSenderFunction": ["kms:Decrypt", "sns:Publish"],
        "InboundFederationFunction": [],
    }
    for fn in granted:
        for statement in _statements(cfn, fn):
            # Resources named (or, with NotResource, every resource but those named).
            assert statement.get("Resource", statement.get("NotResource")) not in (None, "*"), fn


def test_no_dependency_cycle_through_the_pool(cfn: dict[str, Any]) -> None:
    # The pool depends on every function (LambdaConfig); nothing a function needs may depend on it.
    text = repr({k: v for k, v in cfn["Resources"].items() if k.endswith(("Function", "Role"))})
    assert "UserPool'" not in text.replace("userpool/*", "")


def test_outputs(cfn: dict[str, Any]) -> None:
    assert {
        "UserPoolId",
        "WebClientId",
        "SupportAgentClientId",
        "FinanceAgentClientId",
        "DiscoveryUrl",
        "TokenEndpoint",
    } <= set(cfn["Outputs"])


def test_clients(source: dict[str, Any]) -> None:
    resources = source["Resources"]
    web = resources["WebClient"]["Properties"]
    assert web["GenerateSecret"] is False
    assert set(web["ExplicitAuthFlows"]) == {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_USER_PASSWORD_AUTH",
        "ALLOW_CUSTOM_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    # The hosted UI: the authorization code grant (with PKCE, the client having no secret).
    assert web["AllowedOAuthFlowsUserPoolClient"] is True
    assert web["AllowedOAuthFlows"] == ["code"]
    assert "openid" in web["AllowedOAuthScopes"]
    assert web["CallbackURLs"] == [{"Ref": "CallbackUrl"}]
    server = resources["AgentsResourceServer"]["Properties"]
    scopes = {f"{server['Identifier']}/{s['ScopeName']}" for s in server["Scopes"]}
    for name in ("SupportAgentClient", "FinanceAgentClient"):
        machine = resources[name]["Properties"]
        assert machine["GenerateSecret"] is True
        assert machine["AllowedOAuthFlows"] == ["client_credentials"]
        assert set(machine["AllowedOAuthScopes"]) <= scopes


def test_users_cannot_write_the_attributes_the_triggers_trust(source: dict[str, Any]) -> None:
    # Without WriteAttributes a client may write every mutable attribute: a user could move
    # themselves to another tenant (custom:tenant becomes the tenant claim) or unblock themselves.
    web = source["Resources"]["WebClient"]["Properties"]
    writable = set(web.get("WriteAttributes", ["(every mutable attribute)"]))
    assert "email" in writable
    assert not writable & {"custom:tenant", "custom:blocked", "email_verified"}
    assert not any(a.startswith("(") for a in writable)


def test_default_group_exists(source: dict[str, Any]) -> None:
    groups = {
        r["Properties"]["GroupName"]
        for r in source["Resources"].values()
        if r["Type"] == "AWS::Cognito::UserPoolGroup"
    }
    allowed = source["Parameters"]["DefaultGroupName"]["AllowedValues"]
    assert set(allowed) <= groups


def test_layer_and_functions_are_built_by_their_makefiles(source: dict[str, Any]) -> None:
    # lambda-build.mk: bytecode shipped, nothing bundled that the runtime provides (test_build.py).
    layer = source["Resources"]["CognitoTriggersLayer"]
    assert layer["Properties"]["ContentUri"] == "layers/cognito_triggers/"
    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert (ROOT / "layers/cognito_triggers/Makefile").is_file()
    code_uri = source["Globals"]["Function"]["CodeUri"]
    for name, resource in source["Resources"].items():
        if resource["Type"] == "AWS::Serverless::Function":
            assert resource.get("Metadata", {}).get("BuildMethod") == "makefile", name
            assert (ROOT / resource["Properties"].get("CodeUri", code_uri) / "Makefile").is_file()


def test_the_template_agrees_with_itself() -> None:
    problems, wires = check_template(load_template(TEMPLATE))
    assert problems == []
    assert len(wires) == 13


@pytest.mark.parametrize(
    "requirements",
    [
        "layers/cognito_triggers/requirements.txt",
        "triggers/requirements.txt",
        "triggers/senders/requirements.txt",
    ],
)
def test_what_each_folder_ships_is_a_dependency_of_the_project(requirements: str) -> None:
    # `sam build` takes each one's version from uv.lock (lambda-build.mk); a name the project does
    # not depend on would be refused there.
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(d) for d in project["dependencies"]}
    names = _names(ROOT / requirements)
    assert names
    assert names <= declared


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=~!; ]", requirement, maxsplit=1)[0]


def _names(requirements: Path) -> set[str]:
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return {_name(line) for raw in lines if (line := raw.split("#", 1)[0].strip())}


# -- the custom senders and inbound federation -----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "function"),
    [
        ("CustomEmailSender", "CustomEmailSenderFunction"),
        ("CustomSMSSender", "CustomSMSSenderFunction"),
        ("InboundFederation", "InboundFederationFunction"),
    ],
)
def test_senders_and_federation_are_wired_as_v1_objects(
    cfn: dict[str, Any], key: str, function: str
) -> None:
    config = _pool(cfn)["LambdaConfig"][key]
    assert config["LambdaVersion"] == "V1_0"  # the only version Cognito accepts for these
    assert logical_id_of_arn(config["LambdaArn"]) == function


def test_the_senders_decrypt_with_the_pools_key_and_no_other(cfn: dict[str, Any]) -> None:
    key = _pool(cfn)["LambdaConfig"]["KMSKeyID"]
    assert logical_id_of_arn(key) == "SenderCodesKey"
    assert cfn["Resources"]["SenderCodesKey"]["Type"] == "AWS::KMS::Key"
    for fn in ("CustomEmailSenderFunction", "CustomSMSSenderFunction"):
        props = cfn["Resources"][fn]["Properties"]
        assert props["Environment"]["Variables"]["KEY_ARN"] == key  # what decrypt_code reads
        (decrypt,) = [s for s in _statements(cfn, fn) if "kms:Decrypt" in s["Action"]]
        assert decrypt["Action"] == "kms:Decrypt"
        assert decrypt["Resource"] == key
        # Only messages encrypted for a user pool of this region.
        condition = decrypt["Condition"]["StringLike"]["kms:EncryptionContext:userpool-id"]
        assert condition == {"Fn::Sub": "${AWS::Region}_*"}
    for fn, resource in _of_type(cfn, "AWS::Lambda::Function").items():
        if fn not in ("CustomEmailSenderFunction", "CustomSMSSenderFunction"):
            assert "KEY_ARN" not in resource["Properties"]["Environment"]["Variables"], fn
            assert not [s for s in _statements(cfn, fn) if "kms:" in str(s["Action"])], fn


def test_the_key_lets_cognito_encrypt_for_this_accounts_pools(cfn: dict[str, Any]) -> None:
    policy = cfn["Resources"]["SenderCodesKey"]["Properties"]["KeyPolicy"]
    by_sid = {s["Sid"]: s for s in policy["Statement"]}
    cognito = by_sid["CognitoEncryptsCodesForPoolsOfThisAccount"]
    assert cognito["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    assert set(cognito["Action"]) == {"kms:Encrypt", "kms:GenerateDataKey"}  # no Decrypt
    assert cognito["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert "userpool/*" in cognito["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    admin = by_sid["AccountAdministersThroughIam"]  # or the key could never be managed again
    assert admin["Principal"]["AWS"]["Fn::Sub"].endswith(":root")
    assert len(by_sid) == 2


def test_sms_goes_to_phone_numbers_only(cfn: dict[str, Any]) -> None:
    (publish,) = [s for s in _statements(cfn, "CustomSMSSenderFunction") if "sns:" in s["Action"]]
    assert "Resource" not in publish
    assert publish["NotResource"] == {"Fn::Sub": "arn:${AWS::Partition}:sns:*:*:*"}  # no topics


def test_only_the_senders_ship_the_encryption_sdk(source: dict[str, Any]) -> None:
    assert "aws-encryption-sdk" in _names(ROOT / "triggers/senders/requirements.txt")
    assert "aws-encryption-sdk" not in _names(ROOT / "triggers/requirements.txt")
    resources = source["Resources"]
    for fn in ("CustomEmailSenderFunction", "CustomSMSSenderFunction"):
        assert resources[fn]["Properties"]["CodeUri"] == "triggers/senders/"
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    packages = {p["name"]: p for p in lock["package"]}
    extras = packages["cognito-triggers"]["optional-dependencies"]["senders"]
    assert [d["name"] for d in extras] == ["aws-encryption-sdk"]


def test_check_wants_the_key_of_the_senders(source: dict[str, Any]) -> None:
    data = copy.deepcopy(source)
    del data["Resources"]["UserPool"]["Properties"]["LambdaConfig"]["KMSKeyID"]
    problems, _ = check_template(Template(path=TEMPLATE, data=data))
    assert problems == [
        "UserPool.LambdaConfig.CustomEmailSender needs KMSKeyID: Cognito encrypts the codes it "
        "hands the custom senders under that KMS key"
    ]


def _identity_pool_roles(source: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The roles Cognito identity assumes: logical id -> the role's one trust statement."""
    roles = {}
    for name, resource in _of_type(source, "AWS::IAM::Role").items():
        (statement,) = resource["Properties"]["AssumeRolePolicyDocument"]["Statement"]
        if statement["Principal"] == {"Federated": "cognito-identity.amazonaws.com"}:
            roles[name] = statement
    return roles


def test_identity_pool_roles_trust_only_this_pool_and_its_kind_of_identity(
    source: dict[str, Any],
) -> None:
    roles = _identity_pool_roles(source)
    attached = source["Resources"]["IdentityPoolRoles"]["Properties"]["Roles"]
    guest = attached["unauthenticated"]["Fn::GetAtt"][0]
    assert set(roles) == {"SignedInRole", "EditorsRole", "AdminsRole", "GuestRole"}
    for name, statement in roles.items():
        condition = statement["Condition"]
        assert condition["StringEquals"] == {
            "cognito-identity.amazonaws.com:aud": {"Ref": "IdentityPool"}
        }, name
        amr = "unauthenticated" if name == guest else "authenticated"
        assert condition["ForAnyValue:StringLike"] == {"cognito-identity.amazonaws.com:amr": amr}
        # Principal tags need sts:TagSession; guests get none.
        action = statement["Action"]
        actions = {action} if isinstance(action, str) else set(action)
        tags = set() if name == guest else {"sts:TagSession"}
        assert actions == {"sts:AssumeRoleWithWebIdentity"} | tags, name


def test_the_role_comes_from_the_web_clients_token(source: dict[str, Any]) -> None:
    resources = source["Resources"]
    (mapping,) = resources["IdentityPoolRoles"]["Properties"]["RoleMappings"].values()
    assert mapping == {
        "IdentityProvider": {"Fn::Sub": "${UserPool.ProviderName}:${WebClient}"},
        "Type": "Token",
        "AmbiguousRoleResolution": "AuthenticatedRole",
    }
    (provider,) = resources["IdentityPool"]["Properties"]["CognitoIdentityProviders"]
    assert provider["ClientId"] == {"Ref": "WebClient"}
    assert provider["ServerSideTokenCheck"] is True


def test_group_roles_rank_as_the_role_claim_does(source: dict[str, Any]) -> None:
    """cognito:preferred_role is the role of the best (lowest) Precedence; the role claim of pre
    token generation is that of the highest group in its ROLES: the two orders agree, and every
    group role is one the identity pool may give."""
    from pre_token_generation import ROLES

    groups = {
        g["Properties"]["GroupName"]: g["Properties"]
        for g in _of_type(source, "AWS::Cognito::UserPoolGroup").values()
    }
    by_precedence = sorted(groups, key=lambda name: groups[name]["Precedence"])
    assert by_precedence == [group for group, _ in ROLES]
    trusted = _identity_pool_roles(source)
    for name, group in groups.items():
        if "RoleArn" in group:
            assert group["RoleArn"]["Fn::GetAtt"][0] in trusted, name


def test_policies_read_only_the_principal_tags_the_pool_sets(source: dict[str, Any]) -> None:
    tagged = source["Resources"]["IdentityPoolTenantTag"]["Properties"]
    assert tagged["UseDefaults"] is False
    assert tagged["PrincipalTags"] == {"tenant": "tenant"}  # a claim pre token generation adds
    used = set()
    for name in _identity_pool_roles(source):
        for policy in source["Resources"][name]["Properties"].get("Policies", []):
            for statement in policy["PolicyDocument"]["Statement"]:
                assert "dynamodb:Scan" not in statement["Action"], name
                keys = statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:LeadingKeys"]
                used |= set(re.findall(r"\$\{aws:PrincipalTag/([^}]+)\}", " ".join(keys)))
    assert used == set(tagged["PrincipalTags"])


def test_each_environment_is_its_own_stack_with_the_templates_parameters(
    source: dict[str, Any],
) -> None:
    """samconfig.toml: `sam deploy --config-env dev|prod` deploys a stack of its own (its own
    pool and domain), with overrides the template has (a misspelt one fails only at deploy)."""
    config = tomllib.loads((ROOT / "samconfig.toml").read_text(encoding="utf-8"))
    stacks, prefixes = set(), set()
    for env in ("default", "dev", "prod"):
        stacks.add(config[env]["global"]["parameters"]["stack_name"])
        deploy = config[env]["deploy"]["parameters"]
        overrides = dict(pair.split("=", 1) for pair in deploy["parameter_overrides"].split())
        assert set(overrides) <= set(source["Parameters"]), env
        prefixes.add(overrides.get("DomainPrefix", source["Parameters"]["DomainPrefix"]["Default"]))
    assert len(stacks) == len(prefixes) == 3
    assert config["prod"]["deploy"]["parameters"]["confirm_changeset"] is True
