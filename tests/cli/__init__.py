"""The commands' shell (cli/): configuration, help, errors, the README."""
