//! Publishing the report where reviewers are: GitHub and GitLab.
