"""AMI events as serve's parser gives them, for feeding the service or its core by hand:
two calls, a queue caller's join, key and leave, and the hangup (the headers Asterisk sends)."""

from progmoh.player.serve.ami.message import Message

A, B = "1795710278.1", "1795710278.3"          # the unique ids of two calls


def msg(**headers) -> Message:
    return Message(tuple((k, str(v)) for k, v in headers.items()))


def join(uid, number, position, queue="testq"):
    return msg(Event="QueueCallerJoin", Privilege="agent,all",
               Channel=f"Local/caller@capin-{uid};2", CallerIDNum=number, Uniqueid=uid,
               Queue=queue, Position=position, Count=position)


def key(uid, digit):
    return msg(Event="DTMFEnd", Privilege="dtmf,all", Channel=f"Local/caller@capin-{uid};2",
               Uniqueid=uid, Digit=digit, DurationMs=200, Direction="Received")


def leave(uid, position, queue="testq"):
    return msg(Event="QueueCallerLeave", Uniqueid=uid, Queue=queue, Position=position, Count=0)


def hangup(uid):
    return msg(Event="Hangup", Uniqueid=uid, Cause=16)
