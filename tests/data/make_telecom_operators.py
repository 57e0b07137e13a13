"""Generate tests/data/telecom_operators.csv (see tests/data/README.md).

Three operators of 300 respondents from the telecom population; operator B's quality and
satisfaction items are shifted up by 0.6 answer points and operator C's satisfaction and
loyalty items down by 0.5, so that a scalar-invariance model finds latent mean differences.
"""
import dataclasses

import pandas as pd

import csi_model as cm

pop = cm.telecom_population()
spec = cm.load_model("telecom")


def shifted(latents, by):
    means = {i: pop.item_means.get(i, 7.0) for i in spec.observed}
    for lv in latents:
        for item in spec.indicators[lv]:
            means[item] += by
    return dataclasses.replace(pop, item_means=means)


frames = []
for name, seed, population in (("A", 101, pop), ("B", 102, shifted(["QUAL", "SAT"], 0.6)),
                               ("C", 103, shifted(["SAT", "LOY"], -0.5))):
    d = cm.simulate_survey("telecom", n=300, seed=seed, population=population)
    d.insert(0, "operator", name)
    frames.append(d)
pd.concat(frames, ignore_index=True).to_csv("tests/data/telecom_operators.csv", index=False,
                                            lineterminator="\n")
