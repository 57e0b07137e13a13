"""Generate tests/data/telecom_two_waves.csv (see tests/data/README.md)."""
import dataclasses
import pandas as pd
import csi_model as cm

pop = cm.telecom_population()
loadings = dict(pop.loadings)
paths = dict(pop.paths)
loadings["QUAL3"] = 0.45                 # wave 2026: the data-speed item measures quality less well
paths[("QUAL", "SAT")] = 0.20            # wave 2026: quality drives satisfaction less
paths[("VAL", "SAT")] = 0.45             # ... and value more (keeps SAT's R² plausible)
pop26 = dataclasses.replace(pop, loadings=loadings, paths=paths)
a = cm.simulate_survey("telecom", n=600, seed=2025)
b = cm.simulate_survey("telecom", n=600, seed=2026, population=pop26)
a.insert(0, "wave", "2025")
b.insert(0, "wave", "2026")
pd.concat([a, b], ignore_index=True).to_csv("tests/data/telecom_two_waves.csv", index=False)
