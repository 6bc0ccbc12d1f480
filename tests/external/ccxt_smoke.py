#!/usr/bin/env python3
"""ccxt 4.5.90, written by others for the real Crypto.com Exchange, run unchanged against our sim.

Only the hosts are changed: every ccxt URL that points at api.crypto.com / stream.crypto.com is
rewritten to the sim's http://ADDR / ws://ADDR. Everything else (signing, parsing, rate limits)
is ccxt's own.

Usage: ccxt_smoke.py BASE_URL API_KEY API_SECRET
   or: CDC_SIM_URL=http://127.0.0.1:PORT CDC_SIM_KEY=K CDC_SIM_SECRET=S ccxt_smoke.py

Prints one line per check (PASS/FAIL), then "N passed, M failed"; exits 1 on any failure.
Every wait is bounded by a timeout.
"""

import asyncio
import os
import sys
import time
import traceback
from decimal import Decimal

import ccxt
import ccxt.pro

SYMBOL = "BTC/USD"
PERP = "BTC/USD:USD"  # ccxt's unified name of BTCUSD-PERP
TIMEOUT = 15.0  # seconds, for any single network call or wait

results = []  # (name, ok, detail)


def check(name, ok, detail=""):
    results.append((name, bool(ok), detail))
    print(f"{'PASS' if ok else 'FAIL'} {name}{(': ' + detail) if detail and not ok else ''}", flush=True)
    return ok


class CheckFailed(Exception):
    pass


def require(name, ok, detail=""):
    if not check(name, ok, detail):
        raise CheckFailed(name)


def rehost(urls, http_base, ws_base):
    """Rewrites every production URL in ccxt's url tree to the sim, in place."""
    for key, value in list(urls.items()):
        if isinstance(value, dict):
            rehost(value, http_base, ws_base)
        elif isinstance(value, str):
            value = value.replace("https://api.crypto.com", http_base)
            value = value.replace("https://deriv-api.crypto.com", http_base)
            value = value.replace("wss://stream.crypto.com", ws_base)
            urls[key] = value


def configure(exchange, http_base, ws_base):
    rehost(exchange.urls["api"], http_base, ws_base)
    exchange.timeout = int(TIMEOUT * 1000)
    return exchange


def balance_of(bal, code):
    return Decimal(str(bal.get(code, {}).get("total") or 0)), Decimal(str(bal.get(code, {}).get("free") or 0))


def wait_until(name, fn, timeout=TIMEOUT, every=0.2):
    """Polls fn() until it returns a truthy value; fails the check after timeout."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every)
    require(name, False, f"not within {timeout}s (last: {str(last)[:200]})")


def rest_checks(ex):
    markets = ex.load_markets()
    require("load_markets: BTC/USD is a spot market", SYMBOL in markets and markets[SYMBOL]["spot"],
            str(list(markets))[:200])
    m = markets[SYMBOL]
    check("load_markets: precision from the instrument's ticks",
          m["precision"]["price"] == 0.01 and m["precision"]["amount"] == 0.0001, str(m["precision"]))
    check("fetch_markets returns the listed instruments", len(ex.fetch_markets()) == len(markets))

    t = ex.fetch_ticker(SYMBOL)
    check("fetch_ticker: bid < ask", t["bid"] and t["ask"] and t["bid"] < t["ask"], str(t)[:300])

    ob = ex.fetch_order_book(SYMBOL)
    ok = ob["bids"] and ob["asks"] and ob["bids"][0][0] < ob["asks"][0][0]
    check("fetch_order_book (no limit): both sides, not crossed", ok, str(ob)[:300])
    ob5 = ex.fetch_order_book(SYMBOL, 5)
    check("fetch_order_book(limit=5): at most 5 levels", 0 < len(ob5["bids"]) <= 5 and len(ob5["asks"]) <= 5)

    trades = wait_until("fetch_trades: the market trades", lambda: ex.fetch_trades(SYMBOL))
    check("fetch_trades: ids, prices, sides", all(tr["id"] and tr["price"] > 0 and tr["side"] in ("buy", "sell")
                                                  for tr in trades), str(trades[:1])[:300])

    candles = wait_until("fetch_ohlcv: candles exist", lambda: ex.fetch_ohlcv(SYMBOL, "1m"))
    o, h, l, c = candles[-1][1:5]
    check("fetch_ohlcv: low <= open,close <= high", l <= min(o, c) and max(o, c) <= h, str(candles[-1]))
    return ob


def order_checks(ex):
    bal0 = ex.fetch_balance()
    usd0, usd_free0 = balance_of(bal0, "USD")
    btc0, _ = balance_of(bal0, "BTC")
    check("fetch_balance: USD and BTC held", usd0 > 0 and btc0 > 0, f"USD {usd0} BTC {btc0}")

    book = ex.fetch_order_book(SYMBOL, 10)
    best_bid, best_ask = book["bids"][0][0], book["asks"][0][0]

    # A limit buy far below the market: rests, reserves USD.
    far_price = float(ex.price_to_precision(SYMBOL, best_bid * 0.8))
    far = ex.create_order(SYMBOL, "limit", "buy", 0.01, far_price)
    require("create_order (far limit): an order id comes back", far.get("id"), str(far)[:300])
    got = ex.fetch_order(far["id"], SYMBOL)
    check("fetch_order: the id round-trips", got["id"] == far["id"], f"{got['id']} != {far['id']}")
    check("fetch_order: open limit buy at our price",
          got["status"] == "open" and got["type"] == "limit" and got["side"] == "buy" and got["price"] == far_price,
          str({k: got[k] for k in ("status", "type", "side", "price")}))
    opens = ex.fetch_open_orders(SYMBOL)
    check("fetch_open_orders: lists the far order", far["id"] in [o["id"] for o in opens], str([o["id"] for o in opens]))
    _, usd_free1 = balance_of(ex.fetch_balance(), "USD")
    check("fetch_balance: the open order reserves USD", usd_free1 < usd_free0, f"free {usd_free0} -> {usd_free1}")

    ex.cancel_order(far["id"], SYMBOL)
    gone = wait_until("cancel_order: the order ends canceled",
                      lambda: (lambda o: o if o["status"] == "canceled" else None)(ex.fetch_order(far["id"], SYMBOL)))
    check("cancel_order: status canceled, nothing filled", gone["filled"] == 0, str(gone)[:200])
    check("fetch_open_orders: the canceled order is gone",
          far["id"] not in [o["id"] for o in ex.fetch_open_orders(SYMBOL)])

    # A marketable limit buy: crosses the best ask, so it fills (IOC so no remainder rests).
    ask = ex.fetch_order_book(SYMBOL, 10)["asks"][0][0]
    cross_price = float(ex.price_to_precision(SYMBOL, ask * 1.01))
    amount = 0.01
    filled = ex.create_order(SYMBOL, "limit", "buy", amount, cross_price, {"timeInForce": "IOC"})
    require("create_order (marketable limit): an order id comes back", filled.get("id"), str(filled)[:300])
    done = wait_until("marketable limit: the order fills",
                      lambda: (lambda o: o if o["filled"] and o["filled"] > 0 else None)(ex.fetch_order(filled["id"], SYMBOL)))
    check("marketable limit: filled at or below our limit", done["average"] <= cross_price, str(done)[:300])
    bal2 = ex.fetch_balance()
    usd2, _ = balance_of(bal2, "USD")
    btc2, _ = balance_of(bal2, "BTC")
    buy_fills = wait_until("fetch_my_trades: the buy's fills",
                           lambda: [t for t in ex.fetch_my_trades(SYMBOL) if t["order"] == filled["id"]])
    # The fee is charged in what the buy receives (BTC), so BTC rises by filled minus fee.
    btc_fee = sum(Decimal(str(t["fee"]["cost"])) for t in buy_fills if t["fee"]["currency"] == "BTC")
    usd_fee = sum(Decimal(str(t["fee"]["cost"])) for t in buy_fills if t["fee"]["currency"] == "USD")
    check("fetch_balance: BTC rose by what filled, less BTC fees",
          btc2 - btc0 == Decimal(str(done["filled"])) - btc_fee, f"BTC {btc0} -> {btc2}, fee {btc_fee}")
    cost = sum(Decimal(str(t["cost"])) for t in buy_fills)
    check("fetch_balance: USD fell by the fills' cost (plus USD fees)", usd0 - usd2 == cost + usd_fee,
          f"USD {usd0} -> {usd2}, cost {cost}, fee {usd_fee}")

    # A market sell: fills against the bids.
    sold = ex.create_order(SYMBOL, "market", "sell", amount)
    require("create_order (market sell): an order id comes back", sold.get("id"), str(sold)[:300])
    sold = wait_until("market sell: the order closes",
                      lambda: (lambda o: o if o["status"] == "closed" else None)(ex.fetch_order(sold["id"], SYMBOL)))
    check("market sell: fully filled", sold["filled"] == amount, str(sold)[:300])

    mine = wait_until("fetch_my_trades: our fills", lambda: ex.fetch_my_trades(SYMBOL))
    ids = {t["order"] for t in mine}
    check("fetch_my_trades: fills of both orders", filled["id"] in ids and sold["id"] in ids, str(ids))
    fees_ok = all(t["fee"] and t["fee"]["cost"] > 0 and t["fee"]["currency"] for t in mine)
    check("fetch_my_trades: fees are positive costs", fees_ok, str([t["fee"] for t in mine])[:300])
    check("fetch_my_trades: taker fills", all(t["takerOrMaker"] == "taker" for t in mine if t["order"] == sold["id"]),
          str([t["takerOrMaker"] for t in mine]))


async def bounded(coro, timeout=TIMEOUT):
    return await asyncio.wait_for(coro, timeout)


async def open_sockets(pro):
    """Opens both WebSockets and waits 1 s before anything is sent on them, as §4.2 tells every
    client to. ccxt itself sends at once; a socket opened in the last few milliseconds of a
    calendar second then gets its first request refused with 42901 (the per-second limit is
    pro-rated, exactly as on the exchange), and ccxt files the refusal of public/auth under the
    request id, so its auth future never settles. This is ccxt's race, not the sim's: without the
    pause about 1 run in 150 timed out in watch_balance."""
    api = pro.urls["api"]["ws"]
    for url in (api["public"], api["private"]):
        await bounded(pro.client(url).connect(pro.session, 0))
    await asyncio.sleep(1.0)


async def ws_checks(pro):
    await bounded(pro.load_markets())
    await open_sockets(pro)
    ob = await bounded(pro.watch_order_book(SYMBOL))
    check("watch_order_book: both sides, not crossed",
          ob["bids"] and ob["asks"] and ob["bids"][0][0] < ob["asks"][0][0], str(ob)[:200])
    ob2 = await bounded(pro.watch_order_book(SYMBOL))
    check("watch_order_book: a later update applies (nonce advances)",
          ob2["nonce"] is not None and ob2["nonce"] >= ob["nonce"], f"{ob['nonce']} -> {ob2['nonce']}")

    t = await bounded(pro.watch_ticker(SYMBOL))
    check("watch_ticker: bid < ask", t["bid"] and t["ask"] and t["bid"] < t["ask"], str(t)[:300])

    # Subscribe first, then place, then see the order on the stream.
    watching = asyncio.ensure_future(bounded(pro.watch_orders(SYMBOL)))
    balance_task = asyncio.ensure_future(bounded(pro.watch_balance()))
    await bounded(wait_subscribed(pro, ["user.order.BTC_USD", "user.balance"]))
    book = await bounded(pro.fetch_order_book(SYMBOL, 10))
    price = float(pro.price_to_precision(SYMBOL, book["bids"][0][0] * 0.8))
    # Over REST: ccxt 4.5.90 sends only the first WS private request of a connection (it files
    # every one under the same subscription key), so the single WS placement is kept for the fill
    # below. The order snapshot that answers the user.order subscription covers any race.
    placed = await bounded(pro.create_order(SYMBOL, "limit", "buy", 0.01, price))
    await watching
    # NEW comes first (ccxt leaves it unmapped), then ACTIVE, which ccxt calls open.
    o = await seen_on_stream(lambda: pro.orders, pro.watch_orders,
                             lambda o: o["id"] == placed["id"] and o["status"] == "open")
    check("watch_orders: the placed order arrives open", o and o["price"] == price and o["amount"] == 0.01,
          str(o and {k: o[k] for k in ("status", "price", "amount", "side", "type")}) + f" expected price {price}")
    bal = await balance_task
    check("watch_balance: a balance with USD", "USD" in bal and bal["USD"]["total"], str(bal)[:300])

    watching = asyncio.ensure_future(bounded(pro.watch_my_trades(SYMBOL)))
    await bounded(wait_subscribed(pro, ["user.trade.BTC_USD"]))
    ask = (await bounded(pro.fetch_order_book(SYMBOL, 10)))["asks"][0][0]
    # Placed over the same user socket as the subscription: the sim handles a socket's frames in
    # order, so the fill cannot beat the subscription.
    taker = await bounded(pro.create_order_ws(SYMBOL, "limit", "buy", 0.01,
                                              float(pro.price_to_precision(SYMBOL, ask * 1.01)), {"timeInForce": "IOC"}))
    check("create_order_ws: an order id comes back", taker.get("id"), str(taker)[:300])
    await watching
    # ccxt keeps the user's trades from user.trade in its per-symbol trades cache.
    tr = await seen_on_stream(lambda: pro.trades.get(SYMBOL), pro.watch_my_trades, lambda t: t["order"] == taker["id"])
    check("watch_my_trades: our fill arrives with a positive fee",
          tr and tr["fee"]["cost"] > 0 and tr["amount"] > 0, str(tr)[:300])

    watching = asyncio.ensure_future(bounded(pro.watch_orders(SYMBOL)))
    await bounded(pro.cancel_order(placed["id"], SYMBOL))
    await watching
    o = await seen_on_stream(lambda: pro.orders, pro.watch_orders,
                             lambda o: o["id"] == placed["id"] and o["status"] == "canceled")
    check("watch_orders: the cancel arrives", o is not None)


async def seen_on_stream(cache, watch, pred, timeout=TIMEOUT):
    """The last item in ccxt's stream cache (cache() gives it) matching pred, waiting on
    further updates until timeout; None if it never shows. The cache is read again every
    half second, so an update that reached ccxt between two watch calls is not missed."""
    deadline = time.monotonic() + timeout
    while True:
        found = [x for x in (cache() or []) if pred(x)]
        if found:
            return found[-1]
        left = deadline - time.monotonic()
        if left <= 0:
            print("  last in the stream cache:", [(x.get("id"), x.get("order"), x.get("status")) for x in (cache() or [])][-5:])
            return None
        try:
            await asyncio.wait_for(watch(SYMBOL), min(left, 0.5))
        except asyncio.TimeoutError:
            pass


async def wait_subscribed(pro, channels):
    """Waits until ccxt has sent these subscriptions on the user socket (it records them as sent)."""
    url = pro.urls["api"]["ws"]["private"]
    while True:
        client = pro.clients.get(url)
        subs = getattr(client, "subscriptions", {}) if client else {}
        if all(ch in subs for ch in channels):
            return
        await asyncio.sleep(0.05)


def open_contracts(ex):
    return [p for p in ex.fetch_positions([PERP]) if p["contracts"]]


def perp_checks(ex):
    markets = ex.load_markets()
    m = markets.get(PERP)
    require("load_markets: BTC/USD:USD is a linear USD-settled swap",
            m and m["swap"] and m["linear"] and m["settle"] == "USD" and m["id"] == "BTCUSD-PERP", str(m)[:300])
    check("load_markets: the swap's contract size, tick and leverage cap",
          m["contractSize"] == 1 and m["precision"]["price"] == 0.1 and m["limits"]["leverage"]["max"] == 100,
          str((m["contractSize"], m["precision"], m["limits"]["leverage"])))
    check("load_markets: ETH/USD:USD is listed too", "ETH/USD:USD" in markets)
    require("fetch_positions: flat before trading", not open_contracts(ex))

    bought = ex.create_order(PERP, "market", "buy", 0.01)
    require("create_order (market, swap): an order id comes back", bought.get("id"), str(bought)[:300])
    pos = wait_until("fetch_positions: the position appears", lambda: open_contracts(ex))
    p = pos[0]
    check("fetch_positions: long 0.01 contracts of BTC/USD:USD",
          p["symbol"] == PERP and p["side"] == "long" and p["contracts"] == 0.01, str(p)[:300])

    row = ex.fetch_balance()["info"]["result"]["data"][0]
    fields = ["total_available_balance", "total_margin_balance", "total_initial_margin",
              "total_maintenance_margin", "total_position_cost", "total_session_unrealized_pnl"]
    check("fetch_balance: the margin fields, initial margin held by the position",
          all(f in row for f in fields) and Decimal(row["total_initial_margin"]) > 0
          and Decimal(row["total_maintenance_margin"]) > 0, str({f: row.get(f) for f in fields}))

    bid = ex.fetch_ticker(PERP)["bid"]
    stop = float(ex.price_to_precision(PERP, bid * 0.9))
    sl = ex.create_order(PERP, "market", "sell", 0.01, None, {"stopLossPrice": stop})
    require("create_order (stopLossPrice): an order id comes back", sl.get("id"), str(sl)[:300])
    got = ex.fetch_order(sl["id"], PERP)
    check("fetch_order: a STOP_LOSS waiting at its trigger price",
          got["info"].get("order_type") == "STOP_LOSS" and Decimal(got["info"].get("ref_price", "0")) == Decimal(str(stop)),
          str(got["info"])[:300])
    check("fetch_open_orders: lists the stop-loss", sl["id"] in [o["id"] for o in ex.fetch_open_orders(PERP)])
    ex.cancel_order(sl["id"], PERP)
    ex.create_order(PERP, "market", "sell", 0.01)
    wait_until("fetch_positions: flat after selling back", lambda: not open_contracts(ex))
    check("fetch_positions: flat after selling back", True)


async def ws_main(http_base, ws_base, key, secret):
    pro = configure(ccxt.pro.cryptocom({"apiKey": key, "secret": secret}), http_base, ws_base)
    pro.verbose = bool(os.environ.get("CCXT_VERBOSE"))
    try:
        await ws_checks(pro)
    finally:
        await pro.close()


def main():
    args = sys.argv[1:]
    base = args[0] if len(args) > 0 else os.environ.get("CDC_SIM_URL")
    key = args[1] if len(args) > 1 else os.environ.get("CDC_SIM_KEY")
    secret = args[2] if len(args) > 2 else os.environ.get("CDC_SIM_SECRET")
    if not (base and key and secret):
        print(__doc__, file=sys.stderr)
        return 2
    http_base = base.rstrip("/")
    ws_base = http_base.replace("http://", "ws://", 1)
    print(f"ccxt {ccxt.__version__} against {http_base}", flush=True)

    rest = configure(ccxt.cryptocom({"apiKey": key, "secret": secret}), http_base, ws_base)
    for name, step in [("REST market data", lambda: rest_checks(rest)),
                       ("REST orders", lambda: order_checks(rest)),
                       ("REST perpetuals", lambda: perp_checks(rest)),
                       ("WebSocket", lambda: asyncio.run(ws_main(http_base, ws_base, key, secret)))]:
        try:
            step()
        except CheckFailed:
            pass
        except Exception as e:  # any ccxt error or timeout fails the step, with the reason
            check(f"{name}: no error", False, f"{type(e).__name__}: {str(e)[:400]}")
            traceback.print_exc(limit=3)
    failed = sum(1 for _, ok, _ in results if not ok)
    print(f"{len(results) - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
