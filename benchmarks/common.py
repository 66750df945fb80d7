"""Helpers shared by the benchmarks: result lines, timing, realistic roster data."""

import random
import time
from contextlib import contextmanager

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉建国志春梅海晓东文博涵轩欣怡浩然思远嘉"


def result(name, value, unit, op, target):
    ok = {"<=": value <= target, ">=": value >= target, "<": value < target, ">": value > target}[op]
    print(f"RESULT {name} {value:.3f} {unit} target {op} {target} {'PASS' if ok else 'FAIL'}", flush=True)
    return ok


def analyze():
    """Fresh planner statistics after seeding, as autovacuum keeps them on a site that has run for a while
    (the seeded accounts, rosters and sessions exist long before the day measured). PostgreSQL only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


@contextmanager
def timed():
    box = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def chinese_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 1, 2))))


def id_number(n: int) -> str:
    """A valid, unique 18-digit ID number for each n < 10**7."""
    from members.idcard import check_digit

    day = 1 + n % 28
    month = 1 + (n // 28) % 12
    year = 1960 + (n // 336) % 40
    seq = (n // 13440) % 1000
    first17 = f"{110101 + (n // 13440000) % 800:06d}{year:04d}{month:02d}{day:02d}{seq:03d}"
    return first17 + check_digit(first17)


def roster_rows(count: int, seed: int = 1):
    rng = random.Random(seed)
    for n in range(count):
        ident = id_number(n)
        yield [
            chinese_name(rng), "男" if int(ident[16]) % 2 else "女", ident, f"13{rng.randrange(10**8, 10**9)}",
            f"G{n:06d}", "", rng.choice(["语文组", "数学组", "一车间", "二车间", "办公室"]), "", "教师", "正式",
            f"BENCH-{n + 1:06d}", f"20{rng.randrange(0, 24):02d}-{rng.randrange(1, 13):02d}-01", "", "在籍", "否", "否",
        ]
