"""The program in a class name and on the player's command line: written and read by one
module each, and nothing but a program name gets through."""

import pytest

from progmoh.player import command_line as cl
from progmoh.player.programs import (
    DEFAULT_PROGRAM,
    ClassName,
    class_name,
    parse_class_name,
    valid_program,
)

CALL = "1795710278.1"


@pytest.mark.parametrize("program", [DEFAULT_PROGRAM, "sales", "s", "tenant_42", "a" * 32])
def test_a_class_name_reads_back_as_its_program_and_call(program):
    assert parse_class_name(class_name(program, CALL)) == ClassName(program, CALL)


def test_the_default_programs_class_name_is_todays():
    assert class_name(DEFAULT_PROGRAM, CALL) == f"progmoh-{CALL}"


@pytest.mark.parametrize("name", ["progmoh", "moh-1.2", "progmoh-Sales-1.2", "progmoh--1.2",
                                  "progmoh-9x-1.2", "progmoh-a b-1.2", "progmoh-a/b-1.2",
                                  "progmoh-" + "a" * 33 + "-1.2"])
def test_anything_else_is_no_class_of_ours(name):
    assert parse_class_name(name) is None


@pytest.mark.parametrize("name", ["", "Sales", "1a", "a-b", "a b", "é", "a" * 33, None, 3])
def test_what_is_no_program_name(name):
    assert not valid_program(name)


def test_the_command_line_carries_a_program_other_than_the_default():
    line = cl.build(["progmoh", "play"], CALL, "/c", "/s", 200, program="sales")
    options, problems = cl.parse(line.split(" ")[2:])
    assert (options["program"], problems) == ("sales", [])
    plain = cl.build(["progmoh", "play"], CALL, "/c", "/s", 200)
    assert "--program" not in plain
    assert cl.parse(plain.split(" ")[2:])[0]["program"] == DEFAULT_PROGRAM


def test_a_program_that_does_not_fit_makes_no_line_rather_than_the_wrong_hold():
    long_path = "/c" * 115
    assert cl.build(["progmoh", "play"], CALL, long_path, "/s", 200, program="sales") is None
    assert cl.build(["progmoh", "play"], CALL, "/c", "/s", 200, program="Sales") is None


def test_a_bad_program_argument_is_a_problem_and_the_default():
    options, problems = cl.parse(["--uniqueid", CALL, "--program", "../etc"])
    assert options["program"] == DEFAULT_PROGRAM
    assert problems == ["--program '../etc' is no program name; using default"]
