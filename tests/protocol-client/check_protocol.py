#!/usr/bin/python3
"""An independent client of the e-voting protocol (shared/protocol.md).

Checks every case of the protocol reference against a running station over
gRPC, in two phases:

  check_protocol.py --target 127.0.0.1:PORT --phase fresh --state-file PATH
      exercises every status code on a fresh station and writes to PATH what
      the second phase needs (voters and their keys, tokens, elections,
      expected tallies);
  check_protocol.py --target 127.0.0.1:PORT --phase after-restart --state-file PATH
      run after the station was killed and restarted on the same data
      directory: checks that voters, elections, votes and tokens were kept.

Prints one line per case (`PASS name` / `FAIL name: details`) and a final
`N passed, M failed`; exits 1 if any case failed.

Needs grpcio, PyNaCl and protobuf (Debian: python3-grpcio python3-nacl
python3-protobuf protobuf-compiler). The message classes come from
`protoc --python_out`: pass their directory with --pb2-dir (or put it on
PYTHONPATH); otherwise the script runs protoc on core/protocol/voting.proto
into a temporary directory itself. The service stubs are written by hand.
"""

import argparse
import atexit
import importlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import grpc
from google.protobuf import timestamp_pb2
from nacl.signing import SigningKey

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_PROTO = os.path.normpath(os.path.join(HERE, "..", "..", "core", "protocol", "voting.proto"))
RPC_TIMEOUT_S = 10.0

pb = None  # the generated voting_pb2 module, loaded in main()


# --------------------------------------------------------------------------
# Generated messages and hand-written stubs


def load_messages(pb2_dir, proto_path):
    """Imports voting_pb2 from pb2_dir, PYTHONPATH, or a fresh protoc run."""
    if pb2_dir:
        sys.path.insert(0, pb2_dir)
        return importlib.import_module("voting_pb2")
    try:
        return importlib.import_module("voting_pb2")
    except ImportError:
        pass
    protoc = shutil.which("protoc")
    if protoc is None:
        raise SystemExit("protoc not found (Debian package protobuf-compiler) and no --pb2-dir given")
    out = tempfile.mkdtemp(prefix="evote-pb2-")
    atexit.register(shutil.rmtree, out, True)
    subprocess.run(
        [protoc, "-I", os.path.dirname(proto_path), "--python_out", out, proto_path],
        check=True,
    )
    sys.path.insert(0, out)
    return importlib.import_module("voting_pb2")


class Client:
    """The two services of package `voting`, one method per RPC."""

    def __init__(self, channel):
        def rpc(service, method, request, response):
            return channel.unary_unary(
                "/voting.%s/%s" % (service, method),
                request_serializer=request.SerializeToString,
                response_deserializer=response.FromString,
            )

        self._register_voter = rpc("Registration", "RegisterVoter", pb.Voter, pb.Status)
        self._unregister_voter = rpc("Registration", "UnregisterVoter", pb.VoterName, pb.Status)
        self._pre_auth = rpc("eVoting", "PreAuth", pb.VoterName, pb.Challenge)
        self._auth = rpc("eVoting", "Auth", pb.AuthRequest, pb.AuthToken)
        self._create_election = rpc("eVoting", "CreateElection", pb.Election, pb.Status)
        self._cast_vote = rpc("eVoting", "CastVote", pb.Vote, pb.Status)
        self._get_result = rpc("eVoting", "GetResult", pb.ElectionName, pb.ElectionResult)

    def register_voter(self, name, group, public_key):
        request = pb.Voter(name=name, group=group, public_key=public_key)
        return self._register_voter(request, timeout=RPC_TIMEOUT_S).code

    def unregister_voter(self, name):
        return self._unregister_voter(pb.VoterName(name=name), timeout=RPC_TIMEOUT_S).code

    def pre_auth(self, name):
        return self._pre_auth(pb.VoterName(name=name), timeout=RPC_TIMEOUT_S).value

    def auth(self, name, signature):
        request = pb.AuthRequest(name=pb.VoterName(name=name), response=pb.Response(value=signature))
        return self._auth(request, timeout=RPC_TIMEOUT_S).value

    def create_election(self, token, name, groups, choices, end_ms):
        end = timestamp_pb2.Timestamp(
            seconds=end_ms // 1000, nanos=(end_ms % 1000) * 1_000_000
        )
        request = pb.Election(
            name=name,
            groups=groups,
            choices=choices,
            end_date=end,
            token=pb.AuthToken(value=token),
        )
        return self._create_election(request, timeout=RPC_TIMEOUT_S).code

    def cast_vote(self, token, election, choice):
        request = pb.Vote(election_name=election, choice_name=choice, token=pb.AuthToken(value=token))
        return self._cast_vote(request, timeout=RPC_TIMEOUT_S).code

    def get_result(self, election):
        """(status, [(choice, count), ...]) in the order the station sent them."""
        result = self._get_result(pb.ElectionName(name=election), timeout=RPC_TIMEOUT_S)
        return result.status, [(c.choice_name, c.count) for c in result.counts]

    def sign_in(self, name, key):
        """PreAuth + Auth with a detached Ed25519 signature of the challenge."""
        challenge = self.pre_auth(name)
        return self.auth(name, key.sign(challenge).signature)


# --------------------------------------------------------------------------
# Cases


class CaseFailed(Exception):
    pass


class Runner:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def case(self, name, check):
        """Runs one case; `check` raises CaseFailed (or anything) on failure."""
        try:
            check()
        except CaseFailed as failure:
            self._fail(name, str(failure))
        except grpc.RpcError as error:
            self._fail(name, "unexpected gRPC error %s: %s" % (error.code(), error.details()))
        except Exception as error:  # a bug in the check itself still counts as a failure
            self._fail(name, "%s: %s" % (type(error).__name__, error))
            traceback.print_exc(file=sys.stderr)
        else:
            self.passed += 1
            print("PASS %s" % name, flush=True)

    def _fail(self, name, details):
        self.failed += 1
        print("FAIL %s: %s" % (name, details.replace("\n", " | ")), flush=True)

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0


def expect_equal(what, actual, expected):
    if actual != expected:
        raise CaseFailed("%s: expected %r, got %r" % (what, expected, actual))


def expect_code(what, actual, expected):
    expect_equal(what + " status", actual, expected)


def expect_unauthenticated(what, call):
    try:
        value = call()
    except grpc.RpcError as error:
        if error.code() != grpc.StatusCode.UNAUTHENTICATED:
            raise CaseFailed(
                "%s: expected gRPC UNAUTHENTICATED, got %s (%s)" % (what, error.code(), error.details())
            )
        return
    raise CaseFailed("%s: expected gRPC UNAUTHENTICATED, got a token of %d bytes" % (what, len(value)))


def expect_token(what, token):
    if not isinstance(token, bytes) or len(token) == 0:
        raise CaseFailed("%s: expected a non-empty token, got %r" % (what, token))


class Tokens(dict):
    """Tokens by voter role; a missing one fails the case that needs it, naming why."""

    def __missing__(self, role):
        raise CaseFailed("no token for %s: signing in failed in an earlier case" % role)


def now_ms():
    return int(time.time() * 1000)


def wait_until_ms(deadline_ms):
    """Sleeps until a little after deadline_ms (wall clock, same machine as the station)."""
    remaining = deadline_ms + 300 - now_ms()
    if remaining > 0:
        time.sleep(remaining / 1000)


def new_key():
    return SigningKey.generate()


def key_hex(key):
    return bytes(key).hex()


def key_from_hex(text):
    return SigningKey(bytes.fromhex(text))


def public(key):
    return bytes(key.verify_key)


# --------------------------------------------------------------------------
# Phase 1: a fresh station


def phase_fresh(client, runner, state_file):
    suffix = secrets.token_hex(4)
    g1 = "north-" + suffix
    g2 = "south-" + suffix
    names = {
        role: "%s-%s" % (role, suffix) for role in ("alice", "bob", "carol", "dave", "erin", "gina", "frank")
    }
    keys = {role: new_key() for role in names}
    tokens = Tokens()
    state = {"suffix": suffix, "groups": [g1, g2]}

    # ---- RegisterVoter --------------------------------------------------
    def register_0():
        groups = {"alice": g1, "bob": g1, "carol": g2, "dave": g1, "erin": g1, "gina": g1}
        for role, group in groups.items():
            expect_code(
                "RegisterVoter " + role,
                client.register_voter(names[role], group, public(keys[role])),
                0,
            )

    runner.case("RegisterVoter 0 (new voters)", register_0)

    alice_rejected_key = new_key()

    def register_1():
        expect_code(
            "RegisterVoter same name, same key",
            client.register_voter(names["alice"], g1, public(keys["alice"])),
            1,
        )
        # Same name, another group and a new key: refused, nothing changes
        # (checked by the next case, and by alice voting in a north-only election).
        expect_code(
            "RegisterVoter same name, new key",
            client.register_voter(names["alice"], g2, public(alice_rejected_key)),
            1,
        )

    runner.case("RegisterVoter 1 (name already registered)", register_1)

    def register_1_key_kept():
        expect_token("Auth with the original key", client.sign_in(names["alice"], keys["alice"]))
        expect_unauthenticated(
            "Auth with the key of the refused registration",
            lambda: client.sign_in(names["alice"], alice_rejected_key),
        )

    runner.case("RegisterVoter 1 keeps the original key", register_1_key_kept)

    def register_2(description, name, group, public_key, retry_valid):
        def check():
            expect_code("RegisterVoter " + description, client.register_voter(name, group, public_key), 2)
            if retry_valid:
                # Nothing was created: the same name registers normally afterwards.
                expect_code(
                    "RegisterVoter of that name afterwards",
                    client.register_voter(name, g1, public(new_key())),
                    0,
                )

        runner.case("RegisterVoter 2 (%s)" % description, check)

    key32 = public(new_key())
    register_2("empty name", "", g1, key32, False)
    register_2("empty group", "empty-group-" + suffix, "", key32, True)
    register_2("public key of 31 bytes", "key31-" + suffix, g1, key32[:31], True)
    register_2("public key of 33 bytes", "key33-" + suffix, g1, key32 + b"\x00", True)
    register_2("empty public key", "key0-" + suffix, g1, b"", True)
    register_2("name of 10,000 bytes", "n" * 10_000, g1, key32, False)

    # ---- UnregisterVoter ------------------------------------------------
    def unregister_0():
        expect_code(
            "RegisterVoter frank",
            client.register_voter(names["frank"], g1, public(keys["frank"])),
            0,
        )
        expect_code("UnregisterVoter frank", client.unregister_voter(names["frank"]), 0)
        expect_unauthenticated(
            "Auth of an unregistered voter",
            lambda: client.sign_in(names["frank"], keys["frank"]),
        )

    runner.case("UnregisterVoter 0", unregister_0)

    def unregister_1():
        expect_code("UnregisterVoter unknown name", client.unregister_voter("nobody-" + suffix), 1)
        expect_code("UnregisterVoter twice", client.unregister_voter(names["frank"]), 1)

    runner.case("UnregisterVoter 1 (no such voter)", unregister_1)

    runner.case(
        "UnregisterVoter 2 (empty name)",
        lambda: expect_code("UnregisterVoter empty name", client.unregister_voter(""), 2),
    )

    # ---- PreAuth --------------------------------------------------------
    def pre_auth_fresh():
        first = client.pre_auth(names["bob"])
        second = client.pre_auth(names["bob"])
        expect_equal("challenge length", len(first), 32)
        expect_equal("second challenge length", len(second), 32)
        if first == second:
            raise CaseFailed("two PreAuth calls returned the same challenge %s" % first.hex())

    runner.case("PreAuth returns 32 fresh bytes each call", pre_auth_fresh)

    def pre_auth_unknown():
        first = client.pre_auth("unknown-" + suffix)
        second = client.pre_auth("unknown-" + suffix)
        expect_equal("challenge length", len(first), 32)
        if first == second:
            raise CaseFailed("two PreAuth calls for an unknown name returned the same challenge")

    runner.case("PreAuth of an unknown name returns 32 random bytes", pre_auth_unknown)

    # ---- Auth -----------------------------------------------------------
    def auth_success():
        refused = []
        for role in ("alice", "bob", "carol", "dave", "erin"):
            try:
                tokens[role] = client.sign_in(names[role], keys[role])
            except grpc.RpcError as error:
                refused.append("%s: %s %s" % (role, error.code(), error.details()))
                continue
            expect_token("Auth " + role, tokens[role])
        if refused:
            raise CaseFailed("Auth refused for " + "; ".join(refused))
        again = client.sign_in(names["alice"], keys["alice"])
        expect_token("second Auth of alice", again)
        if again == tokens["alice"]:
            raise CaseFailed("two sign-ins returned the same token")
        if len(set(tokens.values())) != len(tokens):
            raise CaseFailed("two voters got the same token")

    runner.case("Auth 0 returns a token", auth_success)

    def auth_bad_signature():
        challenge = client.pre_auth(names["bob"])
        signature = bytearray(keys["bob"].sign(challenge).signature)
        signature[0] ^= 0x01
        expect_unauthenticated(
            "Auth with a corrupted signature",
            lambda: client.auth(names["bob"], bytes(signature)),
        )

    runner.case("Auth bad signature is UNAUTHENTICATED", auth_bad_signature)

    def auth_wrong_key():
        challenge = client.pre_auth(names["bob"])
        signature = new_key().sign(challenge).signature
        expect_unauthenticated("Auth signed with another key", lambda: client.auth(names["bob"], signature))

    runner.case("Auth signature by another key is UNAUTHENTICATED", auth_wrong_key)

    def auth_short_signature():
        challenge = client.pre_auth(names["bob"])
        signature = keys["bob"].sign(challenge).signature[:63]
        expect_unauthenticated("Auth with a 63-byte signature", lambda: client.auth(names["bob"], signature))

    runner.case("Auth truncated signature is UNAUTHENTICATED", auth_short_signature)

    def auth_unknown_voter():
        key = new_key()
        expect_unauthenticated("Auth of an unknown voter", lambda: client.sign_in("ghost-" + suffix, key))

    runner.case("Auth unknown voter is UNAUTHENTICATED", auth_unknown_voter)

    def auth_without_pre_auth():
        # gina is registered but never asked for a challenge.
        invented = secrets.token_bytes(32)
        signature = keys["gina"].sign(invented).signature
        expect_unauthenticated("Auth without PreAuth", lambda: client.auth(names["gina"], signature))

    runner.case("Auth without a preceding PreAuth is UNAUTHENTICATED", auth_without_pre_auth)

    def auth_challenge_reused():
        challenge = client.pre_auth(names["bob"])
        signature = keys["bob"].sign(challenge).signature
        expect_token("first Auth", client.auth(names["bob"], signature))
        expect_unauthenticated(
            "second Auth with the same challenge",
            lambda: client.auth(names["bob"], signature),
        )
        state["usedSignature"] = {"voter": names["bob"], "signature": signature.hex()}

    runner.case("Auth challenge is single use", auth_challenge_reused)

    def auth_other_challenge():
        client.pre_auth(names["erin"])  # erin has a challenge outstanding...
        invented = secrets.token_bytes(32)  # ...but signs bytes the station never issued
        signature = keys["erin"].sign(invented).signature
        expect_unauthenticated(
            "Auth signing an invented challenge",
            lambda: client.auth(names["erin"], signature),
        )

    runner.case("Auth signature of a different challenge is UNAUTHENTICATED", auth_other_challenge)

    def auth_challenge_of_another_voter():
        client.pre_auth(names["erin"])
        challenge_for_bob = client.pre_auth(names["bob"])
        signature = keys["erin"].sign(challenge_for_bob).signature
        expect_unauthenticated(
            "Auth signing the challenge issued to another voter",
            lambda: client.auth(names["erin"], signature),
        )

    runner.case(
        "Auth with a challenge issued to another voter is UNAUTHENTICATED",
        auth_challenge_of_another_voter,
    )

    def auth_after_failures():
        expect_token("Auth after failed attempts", client.sign_in(names["erin"], keys["erin"]))

    runner.case("Auth still works after failed attempts", auth_after_failures)

    # ---- CreateElection -------------------------------------------------
    hour_ms = 60 * 60 * 1000
    long_name = "long-" + suffix
    long_choices = ["red", "green", "blue"]
    later_name = "later-" + suffix
    later_choices = ["yes", "no"]

    def create_0():
        expect_code(
            "CreateElection long",
            client.create_election(tokens["alice"], long_name, [g1], long_choices, now_ms() + hour_ms),
            0,
        )
        expect_code(
            "CreateElection later",
            client.create_election(tokens["bob"], later_name, [g1, g2], later_choices, now_ms() + hour_ms),
            0,
        )

    runner.case("CreateElection 0", create_0)

    def create_1():
        for index, (description, token) in enumerate(
            (
                ("garbage token", secrets.token_bytes(32)),
                ("empty token", b""),
                ("token with a flipped byte", bytes([tokens["alice"][0] ^ 0xFF]) + tokens["alice"][1:]),
            )
        ):
            name = "badtoken-%d-%s" % (index, suffix)
            expect_code(
                "CreateElection " + description,
                client.create_election(token, name, [g1], ["a", "b"], now_ms() + hour_ms),
                1,
            )
            expect_code("GetResult of the refused election", client.get_result(name)[0], 1)

    runner.case("CreateElection 1 (invalid token)", create_1)

    def create_2(description, groups, choices):
        def check():
            name = "missing-%s-%s" % (len(groups), suffix)
            expect_code(
                "CreateElection " + description,
                client.create_election(tokens["alice"], name, groups, choices, now_ms() + hour_ms),
                2,
            )
            expect_code("GetResult of the refused election", client.get_result(name)[0], 1)

        runner.case("CreateElection 2 (%s)" % description, check)

    create_2("no groups", [], ["a", "b"])
    create_2("no choices", [g1], [])

    def create_3_name_in_use():
        # Another voter, other groups, other choices, another end date: refused.
        expect_code(
            "CreateElection name in use",
            client.create_election(tokens["carol"], long_name, [g2], ["x", "y"], now_ms() + 2 * hour_ms),
            3,
        )
        # The existing election is unchanged: still ongoing, its choices and groups hold.
        expect_code("GetResult of the existing election", client.get_result(long_name)[0], 2)
        expect_code(
            "CastVote a choice of the refused duplicate",
            client.cast_vote(tokens["bob"], long_name, "x"),
            5,
        )
        expect_code(
            "CastVote by a group of the refused duplicate",
            client.cast_vote(tokens["carol"], long_name, "red"),
            3,
        )

    runner.case("CreateElection 3 (name already in use; existing unchanged)", create_3_name_in_use)

    def create_3_past():
        name = "past-" + suffix
        expect_code(
            "CreateElection ending a minute ago",
            client.create_election(tokens["alice"], name, [g1], ["a", "b"], now_ms() - 60_000),
            3,
        )
        expect_code("GetResult of the refused election", client.get_result(name)[0], 1)

    runner.case("CreateElection 3 (end date in the past)", create_3_past)

    def create_3_duplicate_choices():
        name = "dupchoices-" + suffix
        expect_code(
            "CreateElection with choices a, b, a",
            client.create_election(tokens["alice"], name, [g1], ["a", "b", "a"], now_ms() + hour_ms),
            3,
        )
        expect_code("GetResult of the refused election", client.get_result(name)[0], 1)

    runner.case("CreateElection 3 (duplicate choices)", create_3_duplicate_choices)

    # ---- Short elections: votes, then results after their end ------------
    short_name = "short-" + suffix
    short_choices = ["zulu", "alpha", "mike", "bravo"]  # deliberately not sorted
    short_end_ms = now_ms() + 3_000
    restart_name = "restart-" + suffix
    restart_choices = ["one", "two", "three"]
    restart_end_ms = now_ms() + 4_500

    def create_short():
        expect_code(
            "CreateElection short",
            client.create_election(tokens["erin"], short_name, [g1], short_choices, short_end_ms),
            0,
        )
        expect_code(
            "CreateElection restart",
            client.create_election(tokens["carol"], restart_name, [g1, g2], restart_choices, restart_end_ms),
            0,
        )

    runner.case("CreateElection 0 (elections ending in a few seconds)", create_short)

    def result_ongoing():
        expect_code("GetResult short", client.get_result(short_name)[0], 2)
        expect_code("GetResult long", client.get_result(long_name)[0], 2)

    runner.case("GetResult 2 while ongoing", result_ongoing)

    runner.case(
        "GetResult 1 (unknown election)",
        lambda: expect_code("GetResult unknown", client.get_result("no-such-election-" + suffix)[0], 1),
    )

    def cast_0():
        for role, election, choice in (
            ("alice", short_name, "mike"),
            ("bob", short_name, "mike"),
            ("dave", short_name, "zulu"),
            ("alice", restart_name, "one"),
            ("carol", restart_name, "three"),
            ("erin", restart_name, "three"),
            ("alice", long_name, "red"),
            ("dave", long_name, "blue"),
        ):
            expect_code(
                "CastVote %s in %s" % (role, election),
                client.cast_vote(tokens[role], election, choice),
                0,
            )

    runner.case("CastVote 0", cast_0)

    def cast_1():
        expect_code("CastVote garbage token", client.cast_vote(secrets.token_bytes(32), long_name, "red"), 1)
        expect_code("CastVote empty token", client.cast_vote(b"", long_name, "red"), 1)

    runner.case("CastVote 1 (invalid token)", cast_1)

    runner.case(
        "CastVote 2 (unknown election)",
        lambda: expect_code(
            "CastVote unknown election",
            client.cast_vote(tokens["bob"], "no-such-election-" + suffix, "red"),
            2,
        ),
    )

    runner.case(
        "CastVote 3 (group not allowed)",
        lambda: expect_code(
            "CastVote carol (south) in long",
            client.cast_vote(tokens["carol"], long_name, "red"),
            3,
        ),
    )

    def cast_4():
        expect_code(
            "CastVote alice again, same choice",
            client.cast_vote(tokens["alice"], long_name, "red"),
            4,
        )
        expect_code(
            "CastVote alice again, other choice",
            client.cast_vote(tokens["alice"], long_name, "green"),
            4,
        )
        fresh_token = client.sign_in(names["alice"], keys["alice"])
        expect_code(
            "CastVote alice again with a new token",
            client.cast_vote(fresh_token, long_name, "blue"),
            4,
        )

    runner.case("CastVote 4 (already voted)", cast_4)

    def cast_5():
        expect_code("CastVote unknown choice", client.cast_vote(tokens["bob"], long_name, "purple"), 5)
        expect_code(
            "CastVote choice of another election",
            client.cast_vote(tokens["bob"], long_name, "yes"),
            5,
        )
        expect_code("CastVote empty choice", client.cast_vote(tokens["bob"], long_name, ""), 5)
        # An invalid choice is not a vote: bob can still vote.
        expect_code("CastVote bob afterwards", client.cast_vote(tokens["bob"], long_name, "green"), 0)

    runner.case("CastVote 5 (choice not in the election)", cast_5)

    # ---- Unregistering invalidates live tokens; cast votes stay ----------
    def unregister_invalidates_token():
        expect_code("UnregisterVoter dave", client.unregister_voter(names["dave"]), 0)
        expect_code("CastVote with dave's token", client.cast_vote(tokens["dave"], later_name, "yes"), 1)
        expect_code(
            "CreateElection with dave's token",
            client.create_election(tokens["dave"], "dave-" + suffix, [g1], ["a"], now_ms() + hour_ms),
            1,
        )
        expect_unauthenticated("Auth of dave", lambda: client.sign_in(names["dave"], keys["dave"]))

    runner.case("UnregisterVoter invalidates the voter's live token", unregister_invalidates_token)

    # ---- After the end of the short election ----------------------------
    wait_until_ms(short_end_ms)

    expected_short = [("zulu", 1), ("alpha", 0), ("mike", 2), ("bravo", 0)]
    runner.case(
        "GetResult 0 after the end (all choices in order, zero counts, votes of unregistered voters)",
        lambda: expect_equal("GetResult short", client.get_result(short_name), (0, expected_short)),
    )

    runner.case(
        "CastVote 2 (election ended)",
        lambda: expect_code(
            "CastVote erin in the ended election",
            client.cast_vote(tokens["erin"], short_name, "alpha"),
            2,
        ),
    )

    runner.case(
        "CreateElection 3 (name of an ended election)",
        lambda: expect_code(
            "CreateElection reusing the ended name",
            client.create_election(tokens["erin"], short_name, [g1], ["a"], now_ms() + hour_ms),
            3,
        ),
    )

    runner.case(
        "GetResult unchanged after refused writes",
        lambda: expect_equal("GetResult short", client.get_result(short_name), (0, expected_short)),
    )

    state.update(
        {
            "voters": {
                role: {"name": names[role], "key": key_hex(keys[role])}
                for role in ("alice", "bob", "carol", "dave", "erin", "gina")
            },
            "aliceRejectedKey": key_hex(alice_rejected_key),
            "tokens": {role: token.hex() for role, token in tokens.items()},
            "elections": {
                "long": {"name": long_name, "choices": long_choices, "votedBy": ["alice", "bob"]},
                "later": {"name": later_name, "choices": later_choices},
                "short": {"name": short_name, "endMs": short_end_ms, "expected": expected_short},
                "restart": {
                    "name": restart_name,
                    "endMs": restart_end_ms,
                    "expected": [("one", 1), ("two", 0), ("three", 2)],
                },
            },
        }
    )
    with open(state_file, "w") as out:
        json.dump(state, out, indent=2)


# --------------------------------------------------------------------------
# Phase 2: the same data directory after a SIGKILL and a restart


def phase_after_restart(client, runner, state_file):
    with open(state_file) as source:
        state = json.load(source)
    voters = state["voters"]
    names = {role: voter["name"] for role, voter in voters.items()}
    keys = {role: key_from_hex(voter["key"]) for role, voter in voters.items()}
    tokens = Tokens({role: bytes.fromhex(token) for role, token in state["tokens"].items()})
    elections = state["elections"]
    g1 = state["groups"][0]
    hour_ms = 60 * 60 * 1000

    def fresh_token(role):
        """A token obtained now, for the cases that do not check the old tokens."""
        return client.sign_in(names[role], keys[role])

    def voters_kept():
        for role in ("alice", "bob", "carol", "erin", "gina"):
            expect_code(
                "RegisterVoter %s again" % role,
                client.register_voter(names[role], g1, public(new_key())),
                1,
            )

    runner.case("Registered voters kept (RegisterVoter same name → 1)", voters_kept)

    def keys_kept():
        expect_token("Auth alice with her key", client.sign_in(names["alice"], keys["alice"]))
        expect_token("Auth gina with her key", client.sign_in(names["gina"], keys["gina"]))
        rejected = key_from_hex(state["aliceRejectedKey"])
        expect_unauthenticated(
            "Auth alice with the refused key",
            lambda: client.sign_in(names["alice"], rejected),
        )

    runner.case("Voter keys kept (original key works, refused key does not)", keys_kept)

    def unregistered_kept():
        expect_unauthenticated("Auth of dave", lambda: client.sign_in(names["dave"], keys["dave"]))
        expect_code("UnregisterVoter dave again", client.unregister_voter(names["dave"]), 1)

    runner.case("Unregistered voter stays unregistered", unregistered_kept)

    def used_challenge_refused():
        used = state.get("usedSignature")
        if used is None:
            raise CaseFailed("phase fresh recorded no used challenge")
        expect_unauthenticated(
            "Auth replaying a signature used before the restart",
            lambda: client.auth(used["voter"], bytes.fromhex(used["signature"])),
        )

    runner.case(
        "Auth replay of a challenge used before the restart is UNAUTHENTICATED",
        used_challenge_refused,
    )

    def elections_kept():
        token = fresh_token("alice")
        for key in ("long", "later", "short", "restart"):
            expect_code(
                "CreateElection %s again" % key,
                client.create_election(
                    token,
                    elections[key]["name"],
                    [g1],
                    ["a"],
                    now_ms() + hour_ms,
                ),
                3,
            )

    runner.case("Elections kept (CreateElection same name → 3)", elections_kept)

    def token_kept():
        expect_code(
            "CastVote alice with her old token in an open election",
            client.cast_vote(tokens["alice"], elections["later"]["name"], "no"),
            0,
        )
        expect_code(
            "CastVote carol with her old token",
            client.cast_vote(tokens["carol"], elections["later"]["name"], "yes"),
            0,
        )
        expect_code(
            "CreateElection with bob's old token",
            client.create_election(
                tokens["bob"], "old-token-" + state["suffix"], [g1], ["a"], now_ms() + hour_ms
            ),
            0,
        )

    runner.case(
        "Tokens from before the restart still work (CastVote → 0, CreateElection → 0)",
        token_kept,
    )

    def votes_kept():
        long_name = elections["long"]["name"]
        expect_code("CastVote alice in long", client.cast_vote(fresh_token("alice"), long_name, "green"), 4)
        expect_code("CastVote bob in long", client.cast_vote(fresh_token("bob"), long_name, "red"), 4)

    runner.case("Votes kept (vote again → 4)", votes_kept)

    def dead_token_stays_dead():
        expect_code(
            "CastVote with the token of the unregistered dave",
            client.cast_vote(tokens["dave"], elections["later"]["name"], "yes"),
            1,
        )

    runner.case("Token of an unregistered voter stays invalid (CastVote → 1)", dead_token_stays_dead)

    runner.case(
        "Long election still ongoing (GetResult 2)",
        lambda: expect_code("GetResult long", client.get_result(elections["long"]["name"])[0], 2),
    )

    def results_kept(key):
        def check():
            election = elections[key]
            wait_until_ms(election["endMs"])
            expected = [tuple(pair) for pair in election["expected"]]
            expect_equal("GetResult " + key, client.get_result(election["name"]), (0, expected))
            # gina is allowed in both short elections and never voted in them.
            gina_token = client.sign_in(names["gina"], keys["gina"])
            expect_code(
                "CastVote gina after the end",
                client.cast_vote(gina_token, election["name"], expected[0][0]),
                2,
            )

        return check

    runner.case(
        "Results of the short election kept (exact tallies, zero counts, in order)",
        results_kept("short"),
    )
    runner.case(
        "Results of an election that ended around the restart (exact tallies, zero counts, in order)",
        results_kept("restart"),
    )

    def new_election_after_restart():
        name = "after-" + state["suffix"]
        token = fresh_token("erin")
        expect_code(
            "CreateElection with a new token",
            client.create_election(token, name, [g1], ["p", "q"], now_ms() + hour_ms),
            0,
        )
        expect_code("CastVote in it", client.cast_vote(token, name, "q"), 0)
        expect_code("GetResult", client.get_result(name)[0], 2)

    runner.case(
        "Station accepts new elections and votes after the restart (new token)",
        new_election_after_restart,
    )


# --------------------------------------------------------------------------


def main():
    global pb
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", required=True, help="HOST:PORT of the station's gRPC server")
    parser.add_argument("--phase", required=True, choices=["fresh", "after-restart"])
    parser.add_argument(
        "--state-file",
        required=True,
        help="JSON written by phase fresh, read by after-restart",
    )
    parser.add_argument(
        "--pb2-dir",
        help="directory holding voting_pb2.py (generated by protoc --python_out)",
    )
    parser.add_argument(
        "--proto",
        default=DEFAULT_PROTO,
        help="voting.proto, if voting_pb2 must be generated",
    )
    args = parser.parse_args()

    pb = load_messages(args.pb2_dir, args.proto)
    runner = Runner()
    channel = grpc.insecure_channel(args.target)
    try:
        grpc.channel_ready_future(channel).result(timeout=15)
    except grpc.FutureTimeoutError:
        print("FAIL connect: no gRPC server at %s within 15 s" % args.target, flush=True)
        runner.failed += 1
        return runner.summary()
    client = Client(channel)
    started = time.monotonic()
    if args.phase == "fresh":
        phase_fresh(client, runner, args.state_file)
    else:
        phase_after_restart(client, runner, args.state_file)
    channel.close()
    print("# phase %s took %.1f s" % (args.phase, time.monotonic() - started), file=sys.stderr)
    return runner.summary()


if __name__ == "__main__":
    sys.exit(main())
