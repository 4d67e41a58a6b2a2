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
        proc = await asyncio.create_subprocess_exec(
            "node", "web3_check.js", cwd=JS_DIR, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        stdout, stderr = await asyncio.wait_for(proc.communicate(), 90)
        assert proc.returncode == 0, stderr.decode()
        seen = json.loads(stdout.decode().strip().splitlines()[-1])

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
