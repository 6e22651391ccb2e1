"""Print the SAM template `chalice package --stage STAGE` generates, without building the deployment zip.

Usage: python chalice_template.py PROJECT_DIR STAGE

Chalice's own code builds the template (application graph, policy from the stage's policy file, API swagger,
event sources); only the step that pip-installs requirements and zips them is replaced by a stub filename. It
runs in its own process because loading the app applies the stage's environment variables to os.environ.
"""

from __future__ import annotations

import json
import os
import sys

from chalice.cli.factory import CLIFactory
from chalice.deploy import models
from chalice.deploy.appgraph import ApplicationGraphBuilder, DependencyBuilder
from chalice.deploy.deployer import (
    BaseDeployStep,
    DeploymentPackager,
    ManagedLayerDeploymentPackager,
    create_build_stage,
)
from chalice.deploy.swagger import CFNSwaggerGenerator
from chalice.package import ResourceBuilder, SAMTemplateGenerator
from chalice.utils import UI, OSUtils


class NoZip(BaseDeployStep):
    """Stands in for the deployment packager: names the zip instead of building it."""

    def handle_deploymentpackage(self, config: object, resource: models.DeploymentPackage) -> None:
        if isinstance(resource.filename, models.Placeholder):
            resource.filename = "deployment.zip"


def render(project_dir: str, stage: str) -> dict:
    factory = CLIFactory(project_dir, environ=os.environ)  # as the CLI does: the app reads the stage's env
    config = factory.create_config_obj(stage)
    options = factory.create_package_options()
    build_stage = create_build_stage(OSUtils(), UI(), CFNSwaggerGenerator(), config)
    packagers = (DeploymentPackager, ManagedLayerDeploymentPackager)
    build_stage._steps = [NoZip() if isinstance(s, packagers) else s for s in build_stage._steps]
    resources = ResourceBuilder(ApplicationGraphBuilder(), DependencyBuilder(), build_stage).construct_resources(
        config, stage
    )
    return SAMTemplateGenerator(config, options).generate(resources)


if __name__ == "__main__":
    json.dump(render(sys.argv[1], sys.argv[2]), sys.stdout)
