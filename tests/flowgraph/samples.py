"""Sample graph texts shared by the printer, parser and dot tests."""

POWER = """\
graph power(x_0: Signed, n_1: Signed) -> Signed
block0(x_0, n_1):
    v2: Bool = int_gt(n_1, 0)               # line 3
    exitswitch v2: False -> return(1) | True -> block1(x_0, n_1)
block1(x_3: Signed, n_4: Signed):
    r_5: Signed = int_mul(x_3, x_3)         # line 4
    n_6: Signed = int_sub(n_4, 1)           # line 5
    goto block0(r_5, n_6)"""
