"""Names the command line offers, apart so that building the parser imports nothing else."""

CI_NAMES = ("github-actions", "gitlab", "jenkins", "buildkite", "circleci", "azure", "other")
PROGRESS_MODES = ("auto", "live", "plain", "none")
# --fail-on names and the classification each stands for; `any` is every failure.
FAIL_ON = {
    "product-bug": "PRODUCT BUG",
    "infrastructure": "INFRASTRUCTURE",
    "code-issue": "CODE ISSUE",
}
ANY = "any"
NONE = "none"
USAGE_EXIT = 2
