"""Provisioning a merchant: a funded system account and an ATA per mint, created with real
transactions over JSON-RPC, nothing sent when they are in place, and clear errors."""

import socket
import subprocess
import sys
from decimal import Decimal

import pytest
from solana.rpc.commitment import Confirmed
from solders.keypair import Keypair
from solders.pubkey import Pubkey
from solders.signature import Signature
from solders.transaction_status import TransactionConfirmationStatus

from walletreports.localnet.genesis import GenesisConfig, MintSpec
from walletreports.localnet.programs import (
    LAMPORTS_PER_SOL,
    SYSTEM_PROGRAM,
    TOKEN_PROGRAM,
    USDC_MINT,
    USDT_MINT,
)
from walletreports.localnet.provision import ProvisionError, provision_merchant
from walletreports.localnet.testing import running_localnet
from walletreports.localnet.token_instructions import associated_token_address
from walletreports.localnet.token_layout import unpack_token_account


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def token_account(client, address: Pubkey):
    info = (await client.get_account_info(address, commitment=Confirmed)).value
    assert info is not None, f"no account at {address}"
    assert info.owner == TOKEN_PROGRAM
    return unpack_token_account(bytes(info.data))


async def test_provisioning_creates_the_account_and_both_atas_then_a_payment_lands(client, net):
    owner = Keypair().pubkey()
    report = await net.provision_merchant(owner)

    assert report.owner == owner
    assert report.lamports == 10 * LAMPORTS_PER_SOL
    atas = {
        USDC_MINT: associated_token_address(owner, USDC_MINT),
        USDT_MINT: associated_token_address(owner, USDT_MINT),
    }
    assert report.token_accounts == atas
    assert len(report.signatures) == 1  # one transaction: the transfer and both creates
    statuses = (
        await client.get_signature_statuses([Signature.from_string(s) for s in report.signatures])
    ).value
    assert statuses[0].err is None
    assert statuses[0].confirmation_status == TransactionConfirmationStatus.Confirmed

    system = (await client.get_account_info(owner, commitment=Confirmed)).value
    assert system.owner == SYSTEM_PROGRAM and system.lamports == 10 * LAMPORTS_PER_SOL
    for mint, ata in atas.items():
        state = await token_account(client, ata)
        assert (state.owner, state.mint, state.amount) == (owner, mint, 0)

    # A second call finds everything in place and sends nothing (the slot does not move).
    slot = await net.slot()
    again = await net.provision_merchant(owner)
    assert again.signatures == () and not again.changed
    assert again.lamports == report.lamports and again.token_accounts == atas
    assert await net.slot() == slot

    # Now a Solana Pay payment in USDC to that owner lands in the ATA, which it need not
    # create (the reference createTransfer would refuse to if it were missing).
    reference = Keypair().pubkey()
    [sig] = await net.pay(
        f"solana:{owner}?amount=12.5&spl-token={USDC_MINT}"
        f"&reference={reference}&memo=inv-provisioned"
    )
    await net.advance_slots(1)
    tx = (
        await client.get_transaction(
            Signature.from_string(sig), "jsonParsed", Confirmed, max_supported_transaction_version=0
        )
    ).value
    assert tx.transaction.meta.err is None
    kinds = [getattr(ix, "parsed", {}) for ix in tx.transaction.transaction.message.instructions]
    assert not any(isinstance(k, dict) and k.get("type") == "createIdempotent" for k in kinds)
    assert (await token_account(client, atas[USDC_MINT])).amount == 12_500_000
    assert (await token_account(client, atas[USDT_MINT])).amount == 0


async def test_only_the_shortfall_is_transferred(client, net):
    owner = Keypair().pubkey()
    await net.pay(f"solana:{owner}?amount=4")  # 4 SOL from the test wallet
    report = await net.provision_merchant(owner, lamports=6 * LAMPORTS_PER_SOL)
    assert report.lamports == 6 * LAMPORTS_PER_SOL
    [sig] = report.signatures
    tx = (await client.get_transaction(Signature.from_string(sig), "jsonParsed", Confirmed)).value
    [transfer] = [
        ix.parsed
        for ix in tx.transaction.transaction.message.instructions
        if getattr(ix, "program_id", None) == SYSTEM_PROGRAM
    ]
    assert transfer["type"] == "transfer"
    assert transfer["info"]["lamports"] == 2 * LAMPORTS_PER_SOL
    # Rich enough already: only the ATAs were missing, and now nothing is.
    assert (await net.provision_merchant(owner, lamports=LAMPORTS_PER_SOL)).signatures == ()


async def test_a_funder_without_money_is_a_clear_error(client, net):
    owner, broke = Keypair().pubkey(), Keypair()
    with pytest.raises(
        ProvisionError, match=f"the funder {broke.pubkey()} cannot pay: it holds 0 SOL"
    ):
        await net.provision_merchant(owner, funder=broke)
    assert (await client.get_account_info(owner)).value is None  # nothing was sent


async def test_an_unreachable_rpc_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ProvisionError, match=f"cannot reach the Solana RPC at {url}: Connect"):
        await provision_merchant(url, Keypair().pubkey(), [USDC_MINT], Keypair())


async def test_a_mint_that_does_not_exist_is_a_clear_error(net):
    missing = Keypair().pubkey()
    with pytest.raises(ProvisionError, match=f"mint {missing} does not exist"):
        await net.provision_merchant(Keypair().pubkey(), mints=[USDC_MINT, missing])


async def test_many_mints_are_split_over_transactions():
    extra = tuple(MintSpec(f"T{i}", Keypair().pubkey(), 6) for i in range(9))
    async with running_localnet(genesis=GenesisConfig(wallet_count=1, extra_mints=extra)) as net:
        owner = Keypair().pubkey()
        report = await net.provision_merchant(owner)
        assert len(report.token_accounts) == 11
        assert len(report.signatures) == 2  # 8 creates fit in one transaction
        assert (await net.provision_merchant(owner)).signatures == ()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "walletreports.localnet.provision", *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_command_line_provisions_and_says_so_in_one_line(net):
    owner = Keypair().pubkey()
    # The session localnet runs a manual clock: wait for 'processed', not 'confirmed'.
    first = run_cli("--owner", str(owner), "--rpc", net.rpc_url, "--commitment", "processed")
    assert first.returncode == 0, first.stderr
    [line] = first.stdout.splitlines()
    assert f"merchant {owner} provisioned on {net.rpc_url}: 10 SOL" in line
    assert f"USDC {associated_token_address(owner, USDC_MINT)}" in line
    assert f"USDT {associated_token_address(owner, USDT_MINT)}" in line
    assert line.endswith("(1 transaction sent)")
    again = run_cli("--owner", str(owner), "--rpc", net.rpc_url, "--mint", str(USDC_MINT))
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith("(already in place, nothing sent)")
    assert "USDT" not in again.stdout


def test_the_command_line_names_an_unreachable_rpc():
    url = f"http://127.0.0.1:{free_port()}"
    result = run_cli("--owner", str(Keypair().pubkey()), "--rpc", url)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith(
        f"provision: cannot reach the Solana RPC at {url}: ConnectError"
    )
    assert "Traceback" not in result.stderr


def test_amounts_print_as_sol():
    from walletreports.localnet.provision import _sol

    assert _sol(10 * LAMPORTS_PER_SOL) == "10 SOL"
    assert _sol(int(Decimal("0.00203928") * LAMPORTS_PER_SOL)) == "0.00203928 SOL"
