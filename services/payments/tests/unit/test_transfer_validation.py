"""Transfer validation on hand-built getTransaction (jsonParsed) answers: the good shapes a
node returns, and every way a payment or the RPC itself can be wrong."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from solders.keypair import Keypair
from solders.pubkey import Pubkey

from walletreports.kit.errors import InvalidInput
from walletreports.payments.domain.transfer_validation import (
    SYSTEM_PROGRAM,
    TOKEN_2022_PROGRAM,
    TOKEN_PROGRAM,
    ExpectedTransfer,
    RejectionReason,
    TransferAccepted,
    TransferRejected,
    associated_token_address,
    validate_transfer,
)

USDC = Pubkey.from_string("EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v")
USDT = Pubkey.from_string("Es9vMFrzaCERmJfrF4H2FYD4KCoNkY11McCe8BenwNYB")
MEMO = "MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr"
ATA_PROGRAM = "ATokenGPvbdGVxr1b2hvZbsiqW5xWH25efTNsLJA8knL"
SIG = "5" * 64

PAYER = Keypair().pubkey()
MERCHANT = Keypair().pubkey()
REFERENCE = Keypair().pubkey()
OTHER_REFERENCE = Keypair().pubkey()


def key(pubkey: Pubkey | str, signer: bool = False, writable: bool = False) -> dict[str, Any]:
    return {"pubkey": str(pubkey), "signer": signer, "writable": writable, "source": "transaction"}


def balance(
    index: int, mint: Pubkey, owner: Pubkey, amount: int, decimals: int = 6
) -> dict[str, Any]:
    return {
        "accountIndex": index,
        "mint": str(mint),
        "owner": str(owner),
        "programId": str(TOKEN_PROGRAM),
        "uiTokenAmount": {
            "amount": str(amount),
            "decimals": decimals,
            "uiAmount": amount / 10**decimals,
            "uiAmountString": str(amount / 10**decimals),
        },
    }


def token_tx(
    amount: int = 12_500_000,
    *,
    mint: Pubkey = USDC,
    recipient: Pubkey = MERCHANT,
    program: Pubkey = TOKEN_PROGRAM,
    references: tuple[Pubkey, ...] = (REFERENCE,),
    memo: str | None = "inv-1",
    pre: int | None = 0,
) -> dict[str, Any]:
    """A transferChecked as the test wallet makes it, as a node renders it."""
    source = associated_token_address(PAYER, mint, program)
    destination = associated_token_address(recipient, mint, program)
    keys = [
        key(PAYER, signer=True, writable=True),
        key(source, writable=True),
        key(destination, writable=True),
        key(mint),
        *(key(r) for r in references),
        key(MEMO),
        key(program),
    ]
    instructions: list[dict[str, Any]] = []
    if memo is not None:
        instructions.append(
            {"parsed": memo, "program": "spl-memo", "programId": MEMO, "stackHeight": None}
        )
    info: dict[str, Any] = {
        "destination": str(destination),
        "mint": str(mint),
        "source": str(source),
        "tokenAmount": {"amount": str(amount), "decimals": 6},
    }
    if references:
        info |= {"multisigAuthority": str(PAYER), "signers": [str(r) for r in references]}
    else:
        info["authority"] = str(PAYER)
    instructions.append(
        {
            "parsed": {"info": info, "type": "transferChecked"},
            "program": "spl-token",
            "programId": str(program),
            "stackHeight": None,
        }
    )
    pre_tokens = [balance(1, mint, PAYER, 1_000_000_000_000)]
    if pre is not None:
        pre_tokens.append(balance(2, mint, recipient, pre))
    post_tokens = [
        balance(1, mint, PAYER, 1_000_000_000_000 - amount),
        balance(2, mint, recipient, (pre or 0) + amount),
    ]
    lamports = [1_000_000_000_000, 2_039_280, 2_039_280, 1_461_600] + [0] * (len(keys) - 4)
    post_lamports = [lamports[0] - 5000, *lamports[1:]]
    return envelope(keys, instructions, lamports, post_lamports, pre_tokens, post_tokens)


def sol_tx(
    lamports: int = 10_000_000,
    *,
    recipient: Pubkey = MERCHANT,
    references: tuple[Pubkey, ...] = (REFERENCE,),
    memo: str | None = "inv-1",
) -> dict[str, Any]:
    keys = [
        key(PAYER, signer=True, writable=True),
        key(recipient, writable=True),
        key(SYSTEM_PROGRAM),
        *(key(r) for r in references),
        key(MEMO),
    ]
    instructions: list[dict[str, Any]] = []
    if memo is not None:
        instructions.append(
            {"parsed": memo, "program": "spl-memo", "programId": MEMO, "stackHeight": None}
        )
    instructions.append(
        {
            "parsed": {
                "info": {"destination": str(recipient), "lamports": lamports, "source": str(PAYER)},
                "type": "transfer",
            },
            "program": "system",
            "programId": str(SYSTEM_PROGRAM),
            "stackHeight": None,
        }
    )
    pre = [5_000_000_000, 0, 1] + [0] * (len(keys) - 3)
    post = [pre[0] - lamports - 5000, lamports, 1] + [0] * (len(keys) - 3)
    return envelope(keys, instructions, pre, post, [], [])


def envelope(
    keys: list[dict[str, Any]],
    instructions: list[dict[str, Any]],
    pre: list[int],
    post: list[int],
    pre_tokens: list[dict[str, Any]],
    post_tokens: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "blockTime": 1_760_000_000,
        "meta": {
            "computeUnitsConsumed": 6000,
            "err": None,
            "fee": 5000,
            "innerInstructions": [],
            "logMessages": [],
            "postBalances": post,
            "postTokenBalances": post_tokens,
            "preBalances": pre,
            "preTokenBalances": pre_tokens,
            "rewards": [],
            "status": {"Ok": None},
        },
        "slot": 42,
        "transaction": {
            "message": {
                "accountKeys": keys,
                "instructions": instructions,
                "recentBlockhash": "1" * 32,
            },
            "signatures": [SIG],
        },
        "version": "legacy",
    }


def usdc(memo: str | None = "inv-1", reference: Pubkey = REFERENCE) -> ExpectedTransfer:
    return ExpectedTransfer(
        recipient=MERCHANT, mint=USDC, decimals=6, reference=reference, memo=memo
    )


def sol(memo: str | None = "inv-1") -> ExpectedTransfer:
    return ExpectedTransfer(
        recipient=MERCHANT, mint=None, decimals=9, reference=REFERENCE, memo=memo
    )


def rejected(verdict: TransferAccepted | TransferRejected) -> RejectionReason:
    assert isinstance(verdict, TransferRejected), verdict
    return verdict.reason


def message(tx: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = tx["transaction"]["message"]
    return result


def transfer_info(tx: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = message(tx)["instructions"][-1]["parsed"]["info"]
    return result


# ----- accepted -----------------------------------------------------------------------


def test_good_token_payment_is_accepted_with_amount_payer_and_references() -> None:
    verdict = validate_transfer(token_tx(), usdc(), signature=SIG)
    assert verdict == TransferAccepted(
        amount=12_500_000,
        payer=PAYER,
        destination=associated_token_address(MERCHANT, USDC),
        references=(REFERENCE,),
        signature=SIG,
        slot=42,
        block_time=1_760_000_000,
    )
    assert verdict.accepted


def test_good_sol_payment_is_accepted_in_lamports() -> None:
    verdict = validate_transfer(sol_tx(), sol())
    assert isinstance(verdict, TransferAccepted)
    assert (verdict.amount, verdict.payer, verdict.destination) == (10_000_000, PAYER, MERCHANT)
    assert verdict.references == (REFERENCE,)


def test_amount_comes_from_balances_when_the_destination_already_held_tokens() -> None:
    verdict = validate_transfer(token_tx(3_000_000, pre=7_000_000), usdc())
    assert isinstance(verdict, TransferAccepted) and verdict.amount == 3_000_000


def test_plain_transfer_instruction_counts_and_mint_comes_from_balances() -> None:
    tx = token_tx()
    ix = message(tx)["instructions"][-1]["parsed"]
    ix["type"] = "transfer"
    ix["info"]["amount"] = ix["info"].pop("tokenAmount")["amount"]
    del ix["info"]["mint"]
    verdict = validate_transfer(tx, usdc())
    assert isinstance(verdict, TransferAccepted) and verdict.amount == 12_500_000


def test_no_memo_expected_ignores_memos() -> None:
    assert validate_transfer(token_tx(memo="anything"), usdc(memo=None)).accepted
    assert validate_transfer(token_tx(memo=None), usdc(memo=None)).accepted


def test_v0_and_absent_version_are_read() -> None:
    tx = token_tx()
    tx["version"] = 0
    assert validate_transfer(tx, usdc()).accepted
    del tx["version"]
    assert validate_transfer(tx, usdc()).accepted


# ----- rejected: the payment --------------------------------------------------------


def test_failed_transaction() -> None:
    tx = token_tx()
    tx["meta"]["err"] = {"InstructionError": [1, {"Custom": 2}]}
    verdict = validate_transfer(tx, usdc())
    assert rejected(verdict) is RejectionReason.TRANSACTION_FAILED
    assert isinstance(verdict, TransferRejected) and verdict.references == (REFERENCE,)


def test_wrong_mint_to_the_recipients_ata_for_that_mint() -> None:
    assert rejected(validate_transfer(token_tx(mint=USDT), usdc())) is RejectionReason.WRONG_MINT


def test_sol_instead_of_tokens_and_tokens_instead_of_sol_are_wrong_mint() -> None:
    assert rejected(validate_transfer(sol_tx(), usdc())) is RejectionReason.WRONG_MINT
    assert rejected(validate_transfer(token_tx(), sol())) is RejectionReason.WRONG_MINT


def test_token_2022_look_alike_is_wrong_program() -> None:
    tx = token_tx(program=TOKEN_2022_PROGRAM)
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.WRONG_PROGRAM


def test_token_2022_instruction_claiming_the_classic_ata_is_wrong_program() -> None:
    tx = token_tx()
    message(tx)["instructions"][-1]["programId"] = str(TOKEN_2022_PROGRAM)
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.WRONG_PROGRAM


def test_wrong_recipient() -> None:
    other = Keypair().pubkey()
    assert (
        rejected(validate_transfer(token_tx(recipient=other), usdc()))
        is RejectionReason.WRONG_RECIPIENT
    )
    assert (
        rejected(validate_transfer(sol_tx(recipient=other), sol()))
        is RejectionReason.WRONG_RECIPIENT
    )


def test_transfer_to_the_owner_address_itself_is_not_the_ata() -> None:
    tx = token_tx()
    transfer_info(tx)["destination"] = str(MERCHANT)
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.WRONG_RECIPIENT


def test_no_transfer_at_all() -> None:
    tx = token_tx()
    message(tx)["instructions"].pop()
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.NO_TRANSFER


def test_transfer_only_as_an_inner_instruction_does_not_count() -> None:
    tx = token_tx()
    ix = message(tx)["instructions"].pop()
    tx["meta"]["innerInstructions"] = [{"index": 0, "instructions": [ix]}]
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.NO_TRANSFER


def test_reference_missing() -> None:
    assert (
        rejected(validate_transfer(token_tx(references=()), usdc()))
        is RejectionReason.REFERENCE_MISSING
    )
    assert (
        rejected(validate_transfer(sol_tx(references=()), sol()))
        is RejectionReason.REFERENCE_MISSING
    )


def test_reference_writable_or_signer() -> None:
    tx = token_tx()
    message(tx)["accountKeys"][4]["writable"] = True
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.REFERENCE_WRITABLE
    message(tx)["accountKeys"][4] |= {"writable": False, "signer": True}
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.REFERENCE_SIGNER


def test_memo_missing_or_different() -> None:
    assert rejected(validate_transfer(token_tx(memo=None), usdc())) is RejectionReason.MEMO_MISMATCH
    assert (
        rejected(validate_transfer(token_tx(memo="inv-2"), usdc())) is RejectionReason.MEMO_MISMATCH
    )
    assert rejected(validate_transfer(sol_tx(memo="INV-1"), sol())) is RejectionReason.MEMO_MISMATCH


def test_two_references_in_one_signature_are_both_returned() -> None:
    tx = token_tx(references=(REFERENCE, OTHER_REFERENCE))
    first = validate_transfer(tx, usdc())
    second = validate_transfer(tx, usdc(reference=OTHER_REFERENCE))
    assert isinstance(first, TransferAccepted) and isinstance(second, TransferAccepted)
    assert first.references == second.references == (REFERENCE, OTHER_REFERENCE)


def test_rejections_also_report_the_references_found() -> None:
    verdict = validate_transfer(
        token_tx(mint=USDT, references=(REFERENCE, OTHER_REFERENCE)), usdc()
    )
    assert isinstance(verdict, TransferRejected)
    assert verdict.references == (REFERENCE, OTHER_REFERENCE) and verdict.signature == SIG


# ----- rejected: the RPC answer is malformed or lies ----------------------------------


def test_null_result_is_not_found() -> None:
    assert rejected(validate_transfer(None, usdc(), signature=SIG)) is RejectionReason.NOT_FOUND


def test_unknown_version() -> None:
    tx = token_tx()
    tx["version"] = 1
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.UNSUPPORTED_VERSION


def test_answer_for_another_signature() -> None:
    assert (
        rejected(validate_transfer(token_tx(), usdc(), signature="4" * 64))
        is RejectionReason.MALFORMED
    )


def test_json_encoding_instead_of_json_parsed() -> None:
    tx = token_tx()
    message(tx)["accountKeys"] = [k["pubkey"] for k in message(tx)["accountKeys"]]
    verdict = validate_transfer(tx, usdc())
    assert rejected(verdict) is RejectionReason.MALFORMED
    assert isinstance(verdict, TransferRejected) and "jsonParsed" in verdict.detail


def _drop(path: tuple[str | int, ...]) -> dict[str, Any]:
    tx = token_tx()
    node: Any = tx
    for step in path[:-1]:
        node = node[step]
    del node[path[-1]]
    return tx


@pytest.mark.parametrize(
    "path",
    [
        ("meta",),
        ("meta", "err"),
        ("meta", "preBalances"),
        ("meta", "postTokenBalances"),
        ("transaction",),
        ("transaction", "message", "accountKeys"),
        ("transaction", "message", "instructions"),
        ("transaction", "signatures"),
        ("slot",),
    ],
)
def test_missing_fields_are_malformed(path: tuple[str | int, ...]) -> None:
    assert rejected(validate_transfer(_drop(path), usdc())) is RejectionReason.MALFORMED


@pytest.mark.parametrize(
    "result", ["not a transaction", [], 42, {"meta": [], "transaction": {}, "slot": 1}]
)
def test_wrong_types_at_the_top_are_malformed(result: object) -> None:
    assert rejected(validate_transfer(result, usdc())) is RejectionReason.MALFORMED


def _tamper(change: str) -> dict[str, Any]:
    tx = token_tx()
    meta, keys = tx["meta"], message(tx)["accountKeys"]
    if change == "signer as string":
        keys[0]["signer"] = "true"
    elif change == "bad pubkey":
        keys[3]["pubkey"] = "not-base58-0OIl"
    elif change == "duplicate key":
        keys.append(copy.deepcopy(keys[2]))
        meta["preBalances"].append(0)
        meta["postBalances"].append(0)
    elif change == "short balances":
        meta["postBalances"].pop()
    elif change == "balance past the keys":
        meta["postTokenBalances"][1]["accountIndex"] = 99
    elif change == "balance listed twice":
        meta["postTokenBalances"].append(copy.deepcopy(meta["postTokenBalances"][1]))
    elif change == "balance of another mint":
        meta["postTokenBalances"][1]["mint"] = str(USDT)
    elif change == "balance owned by someone else":
        meta["postTokenBalances"][1]["owner"] = str(PAYER)
    elif change == "balance of Token-2022":
        meta["postTokenBalances"][1]["programId"] = str(TOKEN_2022_PROGRAM)
    elif change == "balance with other decimals":
        meta["postTokenBalances"][1]["uiTokenAmount"]["decimals"] = 9
    elif change == "transferChecked names another mint":
        transfer_info(tx)["mint"] = str(USDT)
    elif change == "transferChecked other decimals":
        transfer_info(tx)["tokenAmount"]["decimals"] = 7
    elif change == "destination read-only":
        keys[2]["writable"] = False
    elif change == "info missing destination":
        del transfer_info(tx)["destination"]
    elif change == "parsed without type":
        del message(tx)["instructions"][-1]["parsed"]["type"]
    elif change == "inner instructions not a list":
        meta["innerInstructions"] = {"index": 0}
    return tx


@pytest.mark.parametrize(
    "change",
    [
        "signer as string",
        "bad pubkey",
        "duplicate key",
        "short balances",
        "balance past the keys",
        "balance listed twice",
        "balance of another mint",
        "balance owned by someone else",
        "balance of Token-2022",
        "balance with other decimals",
        "transferChecked names another mint",
        "transferChecked other decimals",
        "destination read-only",
        "info missing destination",
        "parsed without type",
        "inner instructions not a list",
    ],
)
def test_lying_or_inconsistent_answers_are_malformed(change: str) -> None:
    verdict = validate_transfer(_tamper(change), usdc())
    assert rejected(verdict) is RejectionReason.MALFORMED
    assert isinstance(verdict, TransferRejected) and verdict.detail


@pytest.mark.parametrize(
    "amount", ["-5", "1.5", "1e6", "", " 5", "0x10", str(2**64), None, True, 5.0]
)
def test_unreadable_token_amounts(amount: object) -> None:
    tx = token_tx()
    tx["meta"]["postTokenBalances"][1]["uiTokenAmount"]["amount"] = amount
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.AMOUNT_UNREADABLE


@pytest.mark.parametrize("lamports", [-1, "10000000", 1.5, None, False])
def test_unreadable_lamport_balances(lamports: object) -> None:
    tx = sol_tx()
    tx["meta"]["postBalances"][1] = lamports
    assert rejected(validate_transfer(tx, sol())) is RejectionReason.AMOUNT_UNREADABLE


def test_unreadable_claimed_amount() -> None:
    tx = token_tx()
    transfer_info(tx)["tokenAmount"]["amount"] = "-12500000"
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.AMOUNT_UNREADABLE


def test_missing_post_balance_for_the_destination() -> None:
    tx = token_tx()
    tx["meta"]["postTokenBalances"].pop()
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.AMOUNT_UNREADABLE


def test_balances_that_do_not_match_the_transfer_are_rejected() -> None:
    tx = token_tx()
    tx["meta"]["postTokenBalances"][1]["uiTokenAmount"]["amount"] = "99000000"
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.AMOUNT_MISMATCH
    tx = sol_tx()
    tx["meta"]["postBalances"][1] += 1
    assert rejected(validate_transfer(tx, sol())) is RejectionReason.AMOUNT_MISMATCH


def test_balance_that_went_down_or_stayed_is_nothing_received() -> None:
    tx = token_tx(pre=20_000_000)
    tx["meta"]["postTokenBalances"][1]["uiTokenAmount"]["amount"] = "20000000"
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.NOTHING_RECEIVED
    tx["meta"]["postTokenBalances"][1]["uiTokenAmount"]["amount"] = "1"
    assert rejected(validate_transfer(tx, usdc())) is RejectionReason.NOTHING_RECEIVED


def test_reason_codes_are_stable_strings() -> None:
    assert str(RejectionReason.REFERENCE_MISSING) == "reference_missing"
    assert {r.value for r in RejectionReason} >= {
        "transaction_failed",
        "no_transfer",
        "wrong_program",
        "wrong_mint",
        "wrong_recipient",
        "reference_missing",
        "reference_writable",
        "memo_mismatch",
        "amount_unreadable",
        "unsupported_version",
        "malformed",
    }


def test_expected_transfer_refuses_impossible_decimals() -> None:
    with pytest.raises(InvalidInput):
        ExpectedTransfer(recipient=MERCHANT, mint=USDC, decimals=300, reference=REFERENCE)
    with pytest.raises(InvalidInput):
        ExpectedTransfer(recipient=MERCHANT, mint=None, decimals=6, reference=REFERENCE)
