"""Build, test and publish the code-agent CLI image to ECR

The repository's Dockerfile is the single image recipe: `build` and `dist` run its "runtime"
and "builder" targets, `test-container` smoke-tests the image as its non-root user, and
`publish` pushes the planned tags (see tags.py) to ECR after that test passes, creating the
repository when missing and refusing to overwrite a release tag.
"""

from .main import CodeAgentCi as CodeAgentCi
