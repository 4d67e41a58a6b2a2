"""The localnet through an unmodified @solana/web3.js 1.x Connection (node)."""

import asyncio
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from walletreports.localnet.programs import USDC_MINT
from walletreports.localnet.testing import running_localnet
from walletreports.localnet.token_instructions import associated_token_address

JS_DIR = Path(__file__).resolve().parents[1] / "js"

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="node and npm are needed for the @solana/web3.js check",
)


def ensure_node_modules() -> None:
    if not (JS_DIR / "node_modules" / "@solana" / "web3.js").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=JS_DIR, check=True,
                       capture_output=True, timeout=300)


# The check takes 2-5 s, even on a loaded 2-core machine; every wait inside it is bounded
# (web3_check.js rejects with what it was waiting for), so this is only a backstop.
NODE_TIMEOUT_S = 60


async def run_web3_check(env: dict[str, str]) -> tuple[int, str, str]:
    """Run web3_check.js; (returncode, stdout, stderr). If it does not finish, kill it and
    fail with its stderr, whose progress lines show the step it was stuck in."""
    proc = await asyncio.create_subprocess_exec(
        "node", "web3_check.js", cwd=JS_DIR, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    stderr_lines: list[str] = []

    async def drain_stderr() -> None:
        # Read as it comes (not communicate()), so what was printed survives a timeout.
        async for line in proc.stderr:
            stderr_lines.append(line.decode(errors="replace"))

    readers = [asyncio.create_task(proc.stdout.read()), asyncio.create_task(drain_stderr())]
    try:
        await asyncio.wait_for(proc.wait(), NODE_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        await asyncio.gather(*readers, return_exceptions=True)
        pytest.fail(f"node web3_check.js did not finish within {NODE_TIMEOUT_S} s and was "
                    f"killed; its stderr (last line = last step reached):\n"
                    f"{''.join(stderr_lines)}", pytrace=False)
    finally:
        if proc.returncode is None:  # cancelled or interrupted: never leave node running
            proc.kill()
            await proc.wait()
    stdout, _ = await asyncio.gather(*readers)
    return proc.returncode, stdout.decode(), "".join(stderr_lines)


async def test_web3js_connection_against_localnet():
    await asyncio.to_thread(ensure_node_modules)
    # A live clock here: web3.js confirms by watching slots and statuses move on their own.
    async with running_localnet(slot_ms=40) as net:
        payer = net.wallets[0]
        env = {
            "PATH": shutil.which("node").rsplit("/", 1)[0],
            "RPC_URL": net.rpc_url,
            "WS_URL": net.ws_url,
            "PAYER_SECRET": json.dumps(list(bytes(payer))),
            "USDC_MINT": str(USDC_MINT),
        }
        returncode, stdout, stderr = await run_web3_check(env)
        assert returncode == 0, f"node web3_check.js exited {returncode}:\n{stderr}"
        seen = json.loads(stdout.strip().splitlines()[-1])

        def ledger(chain):
            from solders.pubkey import Pubkey

            merchant = Pubkey.from_string(seen["merchant"])
            return {
                "merchant": chain.svm.get_balance(merchant),
                "payer": chain.svm.get_balance(payer.pubkey()),
                "legacy_fee": chain.record(seen["legacySignature"]).fee,
                "reference_sigs": [r.signature for r in chain.index.newest_first(
                    seen["reference"], chain.record_at, before_seq=None, until_seq=None,
                    max_slot=chain.slot)],
                "usdc": int.from_bytes(bytes(chain.get_account(
                    associated_token_address(payer.pubkey(), USDC_MINT)).data)[64:72], "little"),
            }

        chain_view = await net.call(ledger)

    assert seen["referenceSignatures"] == [seen["legacySignature"]] == chain_view["reference_sigs"]
    assert seen["referenceMemo"] == "[8] inv-web3"
    assert seen["merchantPost"] == 25_000_000
    assert chain_view["merchant"] == 26_000_000
    assert seen["fee"] == chain_view["legacy_fee"] == 5_000 and seen["v0Fee"] == 5_000
    assert seen["payerBalanceAfter"] == chain_view["payer"]
    assert seen["payerBalanceBefore"] - seen["payerBalanceAfter"] == 26_000_000 + 2 * 5_000
    assert seen["parsedTypes"] == ["inv-web3", "transfer"]
    assert seen["v0Version"] == 0
    assert all(s in ("confirmed", "finalized") for s in seen["statuses"])
    assert int(seen["usdcBalance"]) == chain_view["usdc"]
    assert seen["ownedTokenAccounts"] == [str(associated_token_address(payer.pubkey(), USDC_MINT))]
    assert seen["mintDecimals"] == 6
    assert seen["airdropBalance"] == 1_000_000_000
    assert seen["rent165"] == 2_039_280
