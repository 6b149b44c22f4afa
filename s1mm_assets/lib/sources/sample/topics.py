"""Research topics of the demo corpus: the words a paper on each topic uses, and what its figures can show.

Pure data. Every string is plain Unicode as a reader sees it ("km s⁻¹", "μm"); the writers turn the symbols
into LaTeX math where the format needs it. Each topic lists the category tuples it is filed under per source
(the first category decides the discipline), so the same topic reads as arXiv `cond-mat.supr-con` on arXiv
and "Condensed-matter physics" in Nature Communications.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Axis:
    name: str
    unit: str = ""

    @property
    def label(self) -> str:
        return f"{self.name} ({self.unit})" if self.unit else self.name


@dataclasses.dataclass(frozen=True)
class LineVocab:
    x: Axis
    y: Axis
    series: tuple[str, ...]
    shape: str  # decay | growth | peak | oscillation | power_law

    @property
    def x_range(self) -> tuple[float, float]:
        return X_RANGES.get(self.x.label, (0.0, 100.0))


# Where the x values of a line plot run, by axis label; plots with log axes need a positive range.
X_RANGES: dict[str, tuple[float, float]] = {
    "Acceleration factor": (2, 12),
    "Ciprofloxacin (μg ml⁻¹)": (0, 8),
    "Cycle number": (1, 500),
    "Days since vaccination": (14, 360),
    "Delay time (μs)": (0, 120),
    "Drive detuning (MHz)": (-5, 5),
    "Epidemiological week": (1, 52),
    "False-positive rate": (0, 1),
    "Follow-up (months)": (0, 36),
    "Frequency (kHz)": (0.1, 8),
    "Galactocentric radius (kpc)": (0.2, 20),
    "Hour of day": (0, 23),
    "Input resolution (px)": (224, 1024),
    "Invariant mass (GeV)": (100, 1000),
    "Iteration": (1, 200),
    "Magnetic field (T)": (0, 9),
    "Mesh size h": (0.002, 0.5),
    "Modulation frequency (GHz)": (0.1, 60),
    "Month": (1, 12),
    "Number of parameters (M)": (10, 10000),
    "Particle mass (GeV)": (100, 2000),
    "Reaction coordinate (Å)": (1.0, 3.0),
    "Reaction time (min)": (0, 60),
    "Redshift": (0, 8),
    "Sample size n": (20, 2000),
    "Session": (1, 14),
    "Signal-to-noise ratio": (0.1, 10),
    "Soil water potential (MPa)": (-3, 0),
    "Specific capacity (mAh g⁻¹)": (0, 200),
    "Temperature (K)": (2, 300),
    "Temperature (°C)": (25, 450),
    "Time after release (min)": (0, 120),
    "Time after starvation (h)": (0, 24),
    "Time from mid-transit (h)": (-3, 3),
    "Time from stimulus onset (s)": (-1, 4),
    "Time on stream (h)": (0, 100),
    "Time since treatment start (months)": (0, 36),
    "Time (h)": (0, 24),
    "Training epoch": (1, 100),
    "Training set size": (100, 10000),
    "Training step (×10³)": (0, 50),
    "Wavelength (nm)": (1500, 1600),
    "Wavelength (μm)": (0.8, 5),
    "Week": (0, 12),
    "Weeks on treatment": (0, 48),
    "Year": (1985, 2023),
}


@dataclasses.dataclass(frozen=True)
class ScatterVocab:
    x: Axis
    y: Axis
    items: str
    groups: tuple[str, ...]
    slope_sign: int = 1


@dataclasses.dataclass(frozen=True)
class BarVocab:
    category_name: str
    categories: tuple[str, ...]
    y: Axis
    groups: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class HeatmapVocab:
    rows_name: str
    rows: tuple[str, ...]
    columns_name: str
    columns: tuple[str, ...]
    value: Axis
    style: str  # correlation | intensity | confusion


@dataclasses.dataclass(frozen=True)
class MicrographVocab:
    modality: str  # how the image was taken, e.g. "Confocal micrograph"
    subject: str
    objects: str  # what the blobs are, e.g. "nuclei"
    channels: tuple[tuple[str, str], ...]  # (stain, colour name); empty for greyscale
    scale_bar: tuple[int, str]


@dataclasses.dataclass(frozen=True)
class DiagramVocab:
    name: str  # e.g. "training pipeline"
    stages: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Topic:
    key: str
    categories: dict[str, tuple[tuple[str, ...], ...]]
    field: str
    objects: tuple[str, ...]
    methods: tuple[str, ...]
    data: tuple[str, ...]
    properties: tuple[str, ...]
    findings: tuple[str, ...]
    gaps: tuple[str, ...]
    lines: tuple[LineVocab, ...]
    scatters: tuple[ScatterVocab, ...]
    bars: tuple[BarVocab, ...]
    heatmaps: tuple[HeatmapVocab, ...]
    diagrams: tuple[DiagramVocab, ...]
    micrographs: tuple[MicrographVocab, ...] = ()
    method_names: tuple[str, ...] = ()
    replicates: str = "independent runs"
    error_kind: str = "s.d."


_ML_SEEDS = {"replicates": "random seeds", "error_kind": "s.d."}
_BIO = {"replicates": "biological replicates", "error_kind": "s.e.m."}
_CLINICAL = {"replicates": "bootstrap resamples", "error_kind": "95% CI"}
_LAB = {"replicates": "independent experiments", "error_kind": "s.d."}

TOPICS: tuple[Topic, ...] = (
    Topic(
        key="vision",
        categories={"arxiv": (("cs.CV", "cs.LG"), ("cs.CV",), ("cs.CV", "cs.AI"))},
        field="computer vision",
        objects=(
            "vision transformers",
            "dense prediction models",
            "semantic segmentation networks",
            "open-vocabulary detectors",
        ),
        methods=(
            "token merging",
            "masked image modelling",
            "contrastive pretraining",
            "knowledge distillation",
            "sparse window attention",
        ),
        data=("ADE20K", "Cityscapes", "COCO", "ImageNet-1k", "Pascal VOC"),
        properties=(
            "segmentation accuracy",
            "inference latency",
            "robustness to distribution shift",
            "calibration error",
        ),
        findings=(
            "pruning half of the tokens costs less than one point of mIoU",
            "pretraining on uncurated images closes most of the gap to supervised features",
            "boundary errors account for the majority of remaining mistakes",
        ),
        gaps=(
            "dense prediction at high resolution remains expensive",
            "most benchmarks overestimate robustness under real-world corruptions",
        ),
        method_names=("PatchMerge", "SegLite", "ViT-Sparse", "DenseCLIP-S"),
        lines=(
            LineVocab(
                Axis("Training epoch"),
                Axis("Validation loss"),
                ("Baseline", "+ augmentation", "+ distillation", "Ours"),
                "decay",
            ),
            LineVocab(
                Axis("Input resolution", "px"), Axis("mIoU", "%"), ("ViT-S", "ViT-B", "ConvNeXt-T", "Ours"), "growth"
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Throughput", "images s⁻¹"),
                Axis("Top-1 accuracy", "%"),
                "model variants",
                ("CNN", "Transformer", "Hybrid"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Method",
                ("DeepLabv3", "SegFormer", "Mask2Former", "UperNet", "Ours"),
                Axis("mIoU", "%"),
                ("ADE20K", "Cityscapes"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "True class",
                ("road", "car", "person", "building", "vegetation", "sky"),
                "Predicted class",
                ("road", "car", "person", "building", "vegetation", "sky"),
                Axis("Fraction of pixels"),
                "confusion",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "model architecture",
                ("Input image", "Patch embedding", "Sparse encoder", "Token merging", "Segmentation head"),
            ),
        ),
        **_ML_SEEDS,
    ),
    Topic(
        key="learning",
        categories={"arxiv": (("cs.LG", "stat.ML"), ("stat.ML", "cs.LG"), ("cs.CL", "cs.LG"))},
        field="machine learning",
        objects=(
            "large language models",
            "deep residual networks",
            "graph neural networks",
            "recurrent sequence models",
        ),
        methods=(
            "adaptive learning-rate schedules",
            "low-rank adaptation",
            "sharpness-aware minimisation",
            "curriculum learning",
            "mixture-of-experts routing",
        ),
        data=("WikiText-103", "the GLUE benchmark", "OGB-Arxiv", "C4", "CIFAR-100"),
        properties=("generalisation error", "training stability", "sample efficiency", "perplexity"),
        findings=(
            "warm-up length matters more than the peak learning rate",
            "low-rank updates recover 97% of full fine-tuning accuracy",
            "loss spikes precede divergence by several hundred steps",
        ),
        gaps=(
            "training large models remains brittle and costly",
            "theory offers little guidance on choosing schedules in practice",
        ),
        method_names=("LoRA-Q", "AdaSched", "FlatMin", "RouteMix"),
        lines=(
            LineVocab(
                Axis("Training step", "×10³"),
                Axis("Training loss"),
                ("AdamW", "Lion", "SGD + momentum", "Ours"),
                "decay",
            ),
            LineVocab(
                Axis("Number of parameters", "M"),
                Axis("Perplexity"),
                ("Dense", "Mixture-of-experts", "Low-rank"),
                "power_law",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Sharpness"), Axis("Test error", "%"), "trained networks", ("Small batch", "Large batch")
            ),
        ),
        bars=(
            BarVocab(
                "Task", ("MNLI", "QQP", "SST-2", "CoLA", "RTE"), Axis("Accuracy", "%"), ("Full fine-tuning", "Low-rank")
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Learning rate",
                ("1e-4", "3e-4", "1e-3", "3e-3", "1e-2"),
                "Batch size",
                ("32", "64", "128", "256", "512", "1024"),
                Axis("Validation accuracy", "%"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "training pipeline", ("Raw corpus", "Tokenizer", "Router", "Expert layers", "Loss and update")
            ),
        ),
        **_ML_SEEDS,
    ),
    Topic(
        key="galaxies",
        categories={
            "arxiv": (("astro-ph.GA",), ("astro-ph.GA", "astro-ph.CO"), ("astro-ph.CO", "astro-ph.GA")),
            "nature_communications": (("Astronomy and planetary science", "Galaxies and clusters"),),
        },
        field="extragalactic astronomy",
        objects=("dwarf galaxies", "barred spiral galaxies", "high-redshift quasars", "galaxy clusters"),
        methods=(
            "Jeans anisotropic modelling",
            "integral-field spectroscopy",
            "weak gravitational lensing",
            "hydrodynamical simulations",
        ),
        data=("the MaNGA survey", "JWST NIRSpec spectra", "the SDSS DR17 catalogue", "the IllustrisTNG suite"),
        properties=(
            "dark-matter density profiles",
            "star-formation rates",
            "gas-phase metallicity",
            "stellar velocity dispersion",
        ),
        findings=(
            "inner dark-matter profiles are shallower than predicted by cold dark matter",
            "star formation is quenched earlier in dense environments",
            "bars transport gas inwards on timescales of a few hundred megayears",
        ),
        gaps=(
            "the inner structure of dark-matter haloes remains contested",
            "the physical drivers of quenching are poorly constrained at high redshift",
        ),
        lines=(
            LineVocab(
                Axis("Galactocentric radius", "kpc"),
                Axis("Circular velocity", "km s⁻¹"),
                ("Observed", "NFW halo", "Cored halo", "Baryons only"),
                "growth",
            ),
            LineVocab(
                Axis("Redshift"),
                Axis("Star-formation rate density", "M⊙ yr⁻¹ Mpc⁻³"),
                ("This work", "UV-selected", "IR-selected"),
                "peak",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Stellar mass", "log M⊙"),
                Axis("Gas-phase metallicity", "12 + log(O/H)"),
                "galaxies",
                ("Field", "Group", "Cluster"),
            ),
        ),
        bars=(
            BarVocab(
                "Morphological type",
                ("E", "S0", "Sa", "Sb", "Sc", "Irr"),
                Axis("Quenched fraction", "%"),
                ("z < 0.5", "z > 0.5"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Stellar mass bin",
                ("9.0-9.5", "9.5-10.0", "10.0-10.5", "10.5-11.0", "11.0-11.5"),
                "Redshift bin",
                ("0.1", "0.3", "0.5", "0.8", "1.2", "1.6"),
                Axis("Number of galaxies"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "analysis pipeline",
                ("IFU data cubes", "Spectral fitting", "Kinematic maps", "Jeans model", "Halo parameters"),
            ),
        ),
        replicates="bootstrap resamples",
        error_kind="1σ",
    ),
    Topic(
        key="exoplanets",
        categories={"arxiv": (("astro-ph.EP",), ("astro-ph.EP", "astro-ph.SR"), ("astro-ph.SR", "astro-ph.EP"))},
        field="exoplanet science",
        objects=("hot Jupiters", "sub-Neptunes", "M-dwarf planetary systems", "circumbinary planets"),
        methods=(
            "transit photometry",
            "radial-velocity monitoring",
            "transmission spectroscopy",
            "Gaussian-process detrending",
        ),
        data=(
            "TESS sectors 1-60",
            "HARPS radial velocities",
            "Kepler long-cadence light curves",
            "JWST NIRISS spectra",
        ),
        properties=(
            "planetary radii",
            "atmospheric water abundance",
            "orbital eccentricity",
            "stellar activity signals",
        ),
        findings=(
            "the radius valley shifts to smaller radii around cooler stars",
            "water absorption is detected at 4.2σ significance",
            "stellar activity explains most of the residual radial-velocity scatter",
        ),
        gaps=(
            "stellar activity masks the signals of small planets",
            "atmospheric retrievals depend strongly on prior assumptions",
        ),
        lines=(
            LineVocab(
                Axis("Time from mid-transit", "h"),
                Axis("Relative flux"),
                ("Data", "Transit model", "Detrended"),
                "peak",
            ),
            LineVocab(
                Axis("Wavelength", "μm"),
                Axis("Transit depth", "ppm"),
                ("Observed spectrum", "Clear atmosphere", "Cloudy atmosphere"),
                "oscillation",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Orbital period", "d"),
                Axis("Planet radius", "R⊕"),
                "confirmed planets",
                ("FGK hosts", "M-dwarf hosts"),
            ),
        ),
        bars=(
            BarVocab(
                "Planet class",
                ("Earths", "Super-Earths", "Sub-Neptunes", "Neptunes", "Giants"),
                Axis("Occurrence rate", "%"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Planet radius",
                ("1", "1.5", "2", "3", "4"),
                "Orbital period",
                ("1", "3", "10", "30", "100"),
                Axis("Detection completeness"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "detection pipeline",
                ("Raw light curves", "Systematics removal", "BLS search", "Vetting", "Planet candidates"),
            ),
        ),
        replicates="posterior samples",
        error_kind="1σ",
    ),
    Topic(
        key="quantum",
        categories={
            "arxiv": (("quant-ph",), ("quant-ph", "cond-mat.mes-hall"), ("cond-mat.mes-hall", "quant-ph")),
            "nature_communications": (("Quantum physics", "Qubits"), ("Quantum physics", "Quantum information")),
        },
        field="quantum information science",
        objects=(
            "superconducting transmon qubits",
            "trapped-ion registers",
            "spin qubits in silicon",
            "bosonic cat codes",
        ),
        methods=(
            "dynamical decoupling",
            "randomised benchmarking",
            "surface-code error correction",
            "optimal-control pulse shaping",
        ),
        data=("a 17-qubit processor", "a linear chain of 12 ions", "a double quantum dot device"),
        properties=("coherence times", "two-qubit gate fidelity", "logical error rates", "readout fidelity"),
        findings=(
            "two-level-system defects dominate the residual dephasing",
            "logical errors fall exponentially with code distance",
            "shaped pulses suppress leakage by an order of magnitude",
        ),
        gaps=("decoherence still limits circuit depth", "error-correction overheads remain prohibitive"),
        method_names=("PulseOpt", "DD-X", "QECLite"),
        lines=(
            LineVocab(Axis("Delay time", "μs"), Axis("Excited-state population"), ("Q1", "Q2", "Q3", "Q4"), "decay"),
            LineVocab(
                Axis("Drive detuning", "MHz"), Axis("Readout signal", "a.u."), ("Qubit A", "Qubit B"), "oscillation"
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("T₁", "μs"), Axis("Two-qubit gate error", "%"), "qubit pairs", ("Fixed-frequency", "Tunable"), -1
            ),
        ),
        bars=(
            BarVocab(
                "Gate",
                ("X", "Y", "√X", "CZ", "iSWAP"),
                Axis("Gate fidelity", "%"),
                ("Gaussian pulse", "Optimised pulse"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Qubit",
                ("Q1", "Q2", "Q3", "Q4", "Q5"),
                "Qubit",
                ("Q1", "Q2", "Q3", "Q4", "Q5"),
                Axis("ZZ coupling", "kHz"),
                "correlation",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "experimental set-up",
                ("AWG", "IQ mixer", "Dilution refrigerator", "Qubit chip", "Parametric amplifier", "Digitiser"),
            ),
        ),
        **_LAB,
    ),
    Topic(
        key="quantum_materials",
        categories={
            "arxiv": (
                ("cond-mat.supr-con", "cond-mat.str-el"),
                ("cond-mat.mtrl-sci",),
                ("cond-mat.str-el", "cond-mat.mtrl-sci"),
            ),
            "nature_communications": (
                ("Condensed-matter physics", "Superconducting properties and materials"),
                ("Materials science", "Two-dimensional materials"),
            ),
            "chemrxiv": (("Materials Science", "Physical Chemistry"), ("Materials Science",)),
        },
        field="condensed-matter physics",
        objects=(
            "twisted bilayer graphene",
            "nickelate thin films",
            "kagome metals",
            "transition-metal dichalcogenides",
        ),
        methods=(
            "angle-resolved photoemission",
            "scanning tunnelling microscopy",
            "density-functional theory",
            "low-temperature transport",
        ),
        data=("films grown by pulsed laser deposition", "exfoliated flakes", "single crystals grown by flux"),
        properties=(
            "superconducting transition temperatures",
            "carrier mobility",
            "charge-density-wave order",
            "band gaps",
        ),
        findings=(
            "superconductivity survives up to 40 K under compressive strain",
            "the charge order melts at the same doping where the pseudogap closes",
            "interlayer twist opens a gap of 12 meV",
        ),
        gaps=("the pairing mechanism remains unresolved", "sample inhomogeneity obscures intrinsic behaviour"),
        lines=(
            LineVocab(Axis("Temperature", "K"), Axis("Resistivity", "mΩ cm"), ("0 T", "3 T", "6 T", "9 T"), "growth"),
            LineVocab(
                Axis("Magnetic field", "T"), Axis("Hall resistance", "kΩ"), ("2 K", "10 K", "50 K"), "oscillation"
            ),
        ),
        scatters=(
            ScatterVocab(Axis("Strain", "%"), Axis("Tc", "K"), "films", ("SrTiO₃ substrate", "LaAlO₃ substrate")),
        ),
        bars=(
            BarVocab("Sample", ("S1", "S2", "S3", "S4", "S5"), Axis("Hall mobility", "cm² V⁻¹ s⁻¹"), ("300 K", "2 K")),
        ),
        heatmaps=(
            HeatmapVocab(
                "Gate voltage",
                ("-20 V", "-10 V", "0 V", "10 V", "20 V"),
                "Temperature",
                ("2 K", "5 K", "10 K", "20 K", "50 K", "100 K"),
                Axis("Resistance", "kΩ"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab("Scanning electron micrograph", "the as-grown film surface", "grains", (), (500, "nm")),
            MicrographVocab("Optical micrograph", "an exfoliated flake on SiO₂/Si", "terraces", (), (10, "μm")),
        ),
        diagrams=(
            DiagramVocab(
                "device fabrication workflow",
                ("Substrate cleaning", "PLD growth", "Lithography", "Contact deposition", "Transport measurement"),
            ),
        ),
        **_LAB,
    ),
    Topic(
        key="particles",
        categories={"arxiv": (("hep-ph",), ("hep-ph", "hep-ex"), ("hep-ex", "hep-ph"))},
        field="particle physics",
        objects=("heavy neutral leptons", "axion-like particles", "top-quark pair production", "dark photons"),
        methods=(
            "next-to-leading-order calculations",
            "boosted decision trees",
            "effective field theory fits",
            "profile-likelihood scans",
        ),
        data=("139 fb⁻¹ of LHC data at 13 TeV", "simulated Belle II collisions", "the HL-LHC projection"),
        properties=("production cross-sections", "exclusion limits", "coupling strengths", "background rejection"),
        findings=(
            "the projected limits improve on existing bounds by a factor of three",
            "higher-order corrections raise the cross-section by 18%",
            "no significant excess over the Standard Model background is observed",
        ),
        gaps=(
            "current searches leave the low-mass region largely unconstrained",
            "theoretical uncertainties dominate several key channels",
        ),
        lines=(
            LineVocab(
                Axis("Invariant mass", "GeV"),
                Axis("Events / 10 GeV"),
                ("Data", "Background fit", "Signal + background"),
                "power_law",
            ),
            LineVocab(Axis("Particle mass", "GeV"), Axis("Cross-section", "pb"), ("LO", "NLO", "NNLO"), "decay"),
        ),
        scatters=(
            ScatterVocab(
                Axis("Signal efficiency"),
                Axis("Background rejection"),
                "classifier working points",
                ("BDT", "Neural network"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Uncertainty source",
                ("Luminosity", "Jet energy scale", "PDF", "Scale", "Statistics"),
                Axis("Relative uncertainty", "%"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Parameter",
                ("c₁", "c₂", "c₃", "c₄", "c₅"),
                "Parameter",
                ("c₁", "c₂", "c₃", "c₄", "c₅"),
                Axis("Correlation coefficient"),
                "correlation",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "analysis workflow",
                ("Event generation", "Detector simulation", "Event selection", "BDT classifier", "Limit setting"),
            ),
        ),
        replicates="pseudo-experiments",
        error_kind="1σ",
    ),
    Topic(
        key="numerics",
        categories={"arxiv": (("math.NA", "cs.NA"), ("math.PR",), ("math.NA",), ("math.OC", "math.NA"))},
        field="numerical analysis",
        objects=(
            "stochastic differential equations",
            "high-dimensional PDEs",
            "sparse linear systems",
            "random matrix ensembles",
        ),
        methods=(
            "multilevel Monte Carlo",
            "adaptive finite elements",
            "preconditioned Krylov solvers",
            "randomised low-rank approximation",
        ),
        method_names=("AMG-R", "KrylovX", "MLMC-Adapt"),
        data=(
            "benchmark problems from the SuiteSparse collection",
            "a three-dimensional Poisson problem",
            "synthetic test matrices",
        ),
        properties=("convergence rates", "computational cost", "approximation error", "spectral gaps"),
        findings=(
            "the error decays at the predicted rate of order h²",
            "the cost scales linearly with the number of unknowns",
            "randomisation reduces the iteration count by 40%",
        ),
        gaps=(
            "sharp error bounds are missing in the non-smooth case",
            "existing solvers stagnate for strongly anisotropic coefficients",
        ),
        lines=(
            LineVocab(
                Axis("Mesh size h"), Axis("L² error"), ("P1 elements", "P2 elements", "P3 elements"), "power_law"
            ),
            LineVocab(Axis("Iteration"), Axis("Relative residual"), ("GMRES", "CG", "Preconditioned CG"), "decay"),
        ),
        scatters=(
            ScatterVocab(
                Axis("Condition number"),
                Axis("Iterations to converge"),
                "test matrices",
                ("Symmetric", "Non-symmetric"),
            ),
        ),
        bars=(
            BarVocab(
                "Solver",
                ("Jacobi", "Gauss-Seidel", "ILU(0)", "AMG", "Ours"),
                Axis("Wall time", "s"),
                ("n = 10⁵", "n = 10⁶"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Row block",
                ("1", "2", "3", "4", "5", "6"),
                "Column block",
                ("1", "2", "3", "4", "5", "6"),
                Axis("log₁₀ |aᵢⱼ|"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab("algorithm", ("Coarse solve", "Error estimate", "Mark elements", "Refine mesh", "Fine solve")),
        ),
        replicates="independent runs",
        error_kind="s.d.",
    ),
    Topic(
        key="statistics",
        categories={"arxiv": (("stat.ME",), ("stat.ME", "stat.AP"), ("stat.AP", "stat.ME"), ("stat.CO",))},
        field="statistical methodology",
        objects=(
            "hierarchical models",
            "causal effect estimators",
            "high-dimensional regression",
            "survival models with competing risks",
        ),
        methods=(
            "variational inference",
            "doubly robust estimation",
            "Hamiltonian Monte Carlo",
            "conformal prediction",
        ),
        data=("simulated data sets", "the National Health Interview Survey", "a randomised field experiment"),
        properties=(
            "coverage of confidence intervals",
            "estimation bias",
            "mean squared error",
            "effective sample size",
        ),
        findings=(
            "the proposed estimator keeps nominal coverage under misspecification",
            "bias is halved relative to inverse-probability weighting",
            "conformal intervals are 20% narrower at the same coverage",
        ),
        gaps=(
            "standard errors are unreliable when the propensity model is wrong",
            "posterior computation does not scale to modern data sets",
        ),
        lines=(
            LineVocab(
                Axis("Sample size n"), Axis("Empirical coverage", "%"), ("Wald", "Bootstrap", "Proposed"), "growth"
            ),
            LineVocab(
                Axis("Signal-to-noise ratio"), Axis("Mean squared error"), ("Lasso", "Ridge", "Horseshoe"), "decay"
            ),
        ),
        scatters=(
            ScatterVocab(Axis("Estimated effect"), Axis("True effect"), "simulated units", ("Treated", "Control")),
        ),
        bars=(
            BarVocab(
                "Estimator",
                ("IPW", "Regression", "AIPW", "TMLE", "Proposed"),
                Axis("Absolute bias"),
                ("n = 200", "n = 2000"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Covariate",
                ("age", "income", "education", "BMI", "smoking"),
                "Covariate",
                ("age", "income", "education", "BMI", "smoking"),
                Axis("Pearson r"),
                "correlation",
            ),
        ),
        diagrams=(DiagramVocab("causal graph", ("Confounders", "Treatment", "Mediator", "Outcome")),),
        replicates="Monte Carlo replications",
        error_kind="s.e.",
    ),
    Topic(
        key="photonics",
        categories={
            "arxiv": (("physics.optics",), ("physics.optics", "physics.app-ph"), ("physics.app-ph", "physics.optics")),
            "nature_communications": (("Optics and photonics", "Nanophotonics and plasmonics"),),
        },
        field="integrated photonics",
        objects=(
            "silicon nitride microring resonators",
            "metasurface lenses",
            "photonic crystal cavities",
            "lithium niobate modulators",
        ),
        methods=(
            "inverse design",
            "finite-difference time-domain simulation",
            "heterodyne detection",
            "thermo-optic tuning",
        ),
        data=("fabricated devices on a 200 mm wafer", "a set of 48 resonators", "simulated unit cells"),
        properties=("quality factors", "insertion loss", "modulation bandwidth", "focusing efficiency"),
        findings=(
            "intrinsic quality factors exceed 10⁶ across the C band",
            "the metalens reaches 82% focusing efficiency at 1550 nm",
            "thermal crosstalk falls below −30 dB",
        ),
        gaps=(
            "fabrication variability limits large photonic circuits",
            "efficient broadband metasurfaces remain difficult to design",
        ),
        lines=(
            LineVocab(
                Axis("Wavelength", "nm"), Axis("Transmission", "dB"), ("Device A", "Device B", "Simulation"), "peak"
            ),
            LineVocab(
                Axis("Modulation frequency", "GHz"),
                Axis("Electro-optic response", "dB"),
                ("V = 1 V", "V = 2 V", "V = 4 V"),
                "decay",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Waveguide width", "nm"),
                Axis("Propagation loss", "dB cm⁻¹"),
                "devices",
                ("TE mode", "TM mode"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Design",
                ("Ring", "Disk", "Racetrack", "Photonic crystal"),
                Axis("Loaded Q", "×10⁵"),
                ("Simulated", "Measured"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Pillar radius",
                ("80 nm", "100 nm", "120 nm", "140 nm", "160 nm"),
                "Wavelength",
                ("1500 nm", "1525 nm", "1550 nm", "1575 nm", "1600 nm"),
                Axis("Phase", "rad"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab("Scanning electron micrograph", "the fabricated metasurface", "nanopillars", (), (1, "μm")),
        ),
        diagrams=(
            DiagramVocab(
                "measurement set-up",
                ("Tunable laser", "Polarisation controller", "Chip", "Photodetector", "Oscilloscope"),
            ),
        ),
        **_LAB,
    ),
    Topic(
        key="neuroscience",
        categories={
            "arxiv": (("q-bio.NC",), ("q-bio.NC", "cs.NE")),
            "biorxiv": (("Neuroscience",),),
            "nature_communications": (("Neuroscience", "Neural circuits"), ("Neuroscience", "Learning and memory")),
        },
        field="systems neuroscience",
        objects=(
            "hippocampal place cells",
            "layer 2/3 pyramidal neurons",
            "cortical interneurons",
            "dopaminergic neurons of the VTA",
        ),
        methods=(
            "two-photon calcium imaging",
            "Neuropixels recordings",
            "optogenetic silencing",
            "whole-cell patch clamp",
        ),
        data=("head-fixed mice running on a virtual track", "acute brain slices", "12 mice across 48 sessions"),
        properties=("firing rates", "population coding", "synaptic plasticity", "trial-to-trial variability"),
        findings=(
            "place fields drift across days while population decoding remains stable",
            "silencing interneurons broadens orientation tuning",
            "reward-prediction errors scale with expected value",
        ),
        gaps=(
            "how neural populations stabilise memories over days is unknown",
            "the contribution of inhibition to tuning remains debated",
        ),
        lines=(
            LineVocab(
                Axis("Time from stimulus onset", "s"), Axis("ΔF/F", "%"), ("Control", "Light on", "Recovery"), "peak"
            ),
            LineVocab(
                Axis("Session"), Axis("Decoding accuracy", "%"), ("Place cells", "All cells", "Shuffled"), "growth"
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Firing rate, day 1", "Hz"),
                Axis("Firing rate, day 7", "Hz"),
                "neurons",
                ("Place cells", "Non-place cells"),
            ),
        ),
        bars=(
            BarVocab(
                "Condition",
                ("Baseline", "Laser on", "Laser off", "Saline", "Drug"),
                Axis("Freezing time", "%"),
                ("Control", "ChR2"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Neuron",
                ("1", "2", "3", "4", "5", "6", "7", "8"),
                "Track position",
                ("0 cm", "30 cm", "60 cm", "90 cm", "120 cm", "150 cm"),
                Axis("Normalised activity"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab(
                "Confocal micrograph",
                "a coronal hippocampal section",
                "neurons",
                (("DAPI", "blue"), ("GCaMP6s", "green")),
                (100, "μm"),
            ),
        ),
        diagrams=(
            DiagramVocab(
                "behavioural paradigm", ("Habituation", "Cue presentation", "Delay", "Reward", "Inter-trial interval")
            ),
        ),
        **_BIO,
    ),
    Topic(
        key="cell_biology",
        categories={
            "biorxiv": (("Cell Biology",), ("Developmental Biology",), ("Molecular Biology",)),
            "nature_communications": (("Cell biology", "Cell division"), ("Biological sciences", "Autophagy")),
        },
        field="cell biology",
        objects=("mitotic spindles", "autophagosomes", "primary cilia", "mitochondrial networks"),
        methods=("live-cell imaging", "CRISPR knockout screening", "expansion microscopy", "proximity labelling"),
        data=("HeLa cells", "RPE-1 cells", "mouse embryonic fibroblasts", "human iPSC-derived organoids"),
        properties=(
            "spindle assembly timing",
            "organelle morphology",
            "protein turnover",
            "mitochondrial membrane potential",
        ),
        findings=(
            "loss of the kinase delays spindle assembly by about 12 min",
            "autophagic flux rises twofold under nutrient starvation",
            "ciliary length is restored by re-expression of the wild-type protein",
        ),
        gaps=(
            "the spatial control of organelle turnover is poorly understood",
            "the role of this kinase outside mitosis is unclear",
        ),
        lines=(
            LineVocab(
                Axis("Time after release", "min"),
                Axis("Cells in mitosis", "%"),
                ("Wild type", "Knockout", "Rescue"),
                "peak",
            ),
            LineVocab(
                Axis("Time after starvation", "h"),
                Axis("LC3 puncta per cell"),
                ("Control siRNA", "ATG5 siRNA"),
                "growth",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Cell area", "μm²"), Axis("Mitochondrial volume", "μm³"), "cells", ("Wild type", "Knockout")
            ),
        ),
        bars=(
            BarVocab(
                "Genotype", ("WT", "KO", "KO + WT", "KO + K72R"), Axis("Cilia length", "μm"), ("Serum", "Serum-starved")
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Gene",
                ("ATG5", "ATG7", "BECN1", "ULK1", "SQSTM1", "MAP1LC3B"),
                "Time point",
                ("0 h", "2 h", "4 h", "8 h", "16 h", "24 h"),
                Axis("log₂ fold change"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab(
                "Immunofluorescence image",
                "RPE-1 cells",
                "nuclei",
                (("DAPI", "blue"), ("α-tubulin", "green"), ("pericentrin", "magenta")),
                (10, "μm"),
            ),
            MicrographVocab(
                "Confocal micrograph",
                "HeLa cells expressing mito-GFP",
                "mitochondria",
                (("mito-GFP", "green"),),
                (5, "μm"),
            ),
        ),
        diagrams=(
            DiagramVocab(
                "screening strategy",
                ("sgRNA library", "Lentiviral transduction", "Selection", "FACS sorting", "Sequencing"),
            ),
        ),
        **_BIO,
    ),
    Topic(
        key="microbiology",
        categories={
            "biorxiv": (("Microbiology",), ("Genomics",), ("Bioinformatics",)),
            "nature_communications": (("Microbiology", "Bacterial genetics"), ("Microbiology", "Antimicrobials")),
        },
        field="microbiology",
        objects=(
            "Pseudomonas aeruginosa biofilms",
            "gut microbial communities",
            "bacteriophage populations",
            "antibiotic-tolerant persister cells",
        ),
        methods=("transposon sequencing", "metagenomic sequencing", "time-lapse microscopy", "comparative genomics"),
        data=("1,204 clinical isolates", "faecal samples from 86 donors", "a chemostat evolution experiment"),
        properties=("growth rates", "antibiotic tolerance", "community diversity", "gene essentiality"),
        findings=(
            "efflux pump mutations arise within 50 generations of drug exposure",
            "community diversity recovers within two weeks after antibiotics",
            "phage predation selects for capsule-deficient mutants",
        ),
        gaps=(
            "the genetic basis of antibiotic tolerance remains incompletely mapped",
            "how communities recover after perturbation is poorly understood",
        ),
        lines=(
            LineVocab(
                Axis("Time", "h"),
                Axis("Optical density (OD₆₀₀)"),
                ("Wild type", "ΔmexB", "ΔoprM", "Complemented"),
                "growth",
            ),
            LineVocab(Axis("Ciprofloxacin", "μg ml⁻¹"), Axis("Survival", "%"), ("Planktonic", "Biofilm"), "decay"),
        ),
        scatters=(
            ScatterVocab(
                Axis("Shannon diversity"),
                Axis("Colonisation resistance", "log CFU"),
                "donors",
                ("Healthy", "Antibiotic-treated"),
            ),
        ),
        bars=(
            BarVocab(
                "Strain",
                ("PAO1", "PA14", "LESB58", "Clinical 1", "Clinical 2"),
                Axis("Biofilm biomass (OD₅₅₀)"),
                ("LB", "Artificial sputum"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Genus",
                ("Bacteroides", "Prevotella", "Faecalibacterium", "Escherichia", "Bifidobacterium", "Akkermansia"),
                "Day",
                ("0", "3", "7", "14", "28", "56"),
                Axis("Relative abundance", "%"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab(
                "Confocal micrograph",
                "a 48-h biofilm",
                "cell clusters",
                (("SYTO 9", "green"), ("propidium iodide", "red")),
                (20, "μm"),
            ),
        ),
        diagrams=(
            DiagramVocab(
                "sequencing workflow",
                ("Sample collection", "DNA extraction", "Library preparation", "Sequencing", "Taxonomic profiling"),
            ),
        ),
        **_BIO,
    ),
    Topic(
        key="ecology",
        categories={
            "biorxiv": (("Ecology",), ("Evolutionary Biology",), ("Plant Biology",)),
            "nature_communications": (("Ecology", "Biodiversity"), ("Plant sciences", "Plant physiology")),
        },
        field="ecology",
        objects=(
            "temperate grassland plots",
            "coral reef fish assemblages",
            "Arabidopsis root systems",
            "pollinator networks",
        ),
        methods=(
            "long-term field monitoring",
            "common-garden experiments",
            "structural equation modelling",
            "camera-trap surveys",
        ),
        data=("142 plots sampled over 15 years", "1,860 individuals across 24 populations", "drone imagery"),
        properties=("species richness", "drought tolerance", "biomass production", "network stability"),
        findings=(
            "species richness buffers biomass against drought",
            "warming advances flowering by 4.5 days per degree",
            "specialist pollinators decline faster than generalists",
        ),
        gaps=(
            "how biodiversity stabilises ecosystem functions under extremes is unresolved",
            "long-term data on pollinator declines are scarce",
        ),
        lines=(
            LineVocab(
                Axis("Year"),
                Axis("Above-ground biomass", "g m⁻²"),
                ("Monoculture", "4 species", "16 species"),
                "oscillation",
            ),
            LineVocab(
                Axis("Soil water potential", "MPa"),
                Axis("Stomatal conductance", "mmol m⁻² s⁻¹"),
                ("Col-0", "drought-tolerant line"),
                "decay",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Mean annual temperature", "°C"),
                Axis("Flowering onset", "day of year"),
                "populations",
                ("Lowland", "Upland"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Treatment",
                ("Control", "Drought", "Warming", "Drought + warming"),
                Axis("Species richness"),
                ("Year 1", "Year 5"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Pollinator",
                ("Bombus", "Apis", "Osmia", "Syrphidae", "Lepidoptera"),
                "Plant",
                ("Trifolium", "Lotus", "Centaurea", "Knautia", "Salvia", "Origanum"),
                Axis("Visit frequency"),
                "intensity",
            ),
        ),
        micrographs=(MicrographVocab("Brightfield micrograph", "a leaf epidermal peel", "stomata", (), (50, "μm")),),
        diagrams=(
            DiagramVocab(
                "experimental design",
                ("Site selection", "Plot establishment", "Treatments", "Annual census", "Statistical models"),
            ),
        ),
        **_BIO,
    ),
    Topic(
        key="epidemiology",
        categories={
            "medrxiv": (("Epidemiology",), ("Infectious Diseases (except HIV/AIDS)",), ("Public and Global Health",))
        },
        field="infectious disease epidemiology",
        objects=(
            "respiratory syncytial virus infections",
            "influenza transmission",
            "measles outbreaks",
            "post-acute sequelae of COVID-19",
        ),
        methods=(
            "a test-negative case-control design",
            "compartmental transmission modelling",
            "a retrospective cohort analysis",
            "genomic surveillance",
        ),
        data=(
            "national surveillance records from 2015 to 2023",
            "a cohort of 48,312 adults",
            "electronic health records from 112 hospitals",
        ),
        properties=("vaccine effectiveness", "the effective reproduction number", "hospitalisation rates", "incidence"),
        findings=(
            "vaccine effectiveness against hospitalisation was 71% in adults over 65",
            "school closures reduced the reproduction number by 0.3",
            "incidence peaked six weeks earlier than in pre-pandemic seasons",
        ),
        gaps=(
            "the duration of vaccine protection in older adults is uncertain",
            "seasonal patterns have shifted since the pandemic",
        ),
        lines=(
            LineVocab(
                Axis("Epidemiological week"),
                Axis("Weekly incidence per 100,000"),
                ("2021/22", "2022/23", "2023/24"),
                "peak",
            ),
            LineVocab(
                Axis("Days since vaccination"),
                Axis("Vaccine effectiveness", "%"),
                ("18-64 years", "65-79 years", "≥80 years"),
                "decay",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Vaccination coverage", "%"),
                Axis("Hospitalisation rate per 100,000"),
                "regions",
                ("Urban", "Rural"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Age group",
                ("0-4", "5-17", "18-49", "50-64", "65+"),
                Axis("Hospitalisation rate per 100,000"),
                ("Vaccinated", "Unvaccinated"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Age group",
                ("0-4", "5-17", "18-49", "50-64", "65+"),
                "Age group",
                ("0-4", "5-17", "18-49", "50-64", "65+"),
                Axis("Daily contacts"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "study flow",
                ("Eligible patients", "Exclusions", "Tested cohort", "Test-positive cases", "Test-negative controls"),
            ),
        ),
        **_CLINICAL,
    ),
    Topic(
        key="cardiology",
        categories={
            "medrxiv": (
                ("Cardiovascular Medicine",),
                ("Endocrinology (including Diabetes Mellitus and Metabolic Disease)",),
            )
        },
        field="cardiovascular medicine",
        objects=(
            "patients with heart failure",
            "adults with type 2 diabetes",
            "atrial fibrillation",
            "hypertensive adults",
        ),
        methods=(
            "a randomised controlled trial",
            "Mendelian randomisation",
            "a prospective cohort study",
            "deep learning on electrocardiograms",
        ),
        data=("the UK Biobank", "2,418 patients enrolled at 31 sites", "12-lead ECGs from 86,000 visits"),
        properties=(
            "major adverse cardiovascular events",
            "left-ventricular ejection fraction",
            "HbA1c",
            "systolic blood pressure",
        ),
        findings=(
            "the intervention reduced major adverse events by 22%",
            "genetically predicted LDL cholesterol was causally associated with coronary disease",
            "the ECG model detected reduced ejection fraction with an AUC of 0.91",
        ),
        gaps=(
            "risk stratification in heart failure remains imprecise",
            "causal evidence for several metabolic risk factors is lacking",
        ),
        lines=(
            LineVocab(
                Axis("Follow-up", "months"), Axis("Event-free survival", "%"), ("Placebo", "Intervention"), "decay"
            ),
            LineVocab(
                Axis("False-positive rate"),
                Axis("True-positive rate"),
                ("ECG model", "Clinical score", "Combined"),
                "growth",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Baseline HbA1c", "%"),
                Axis("Change in systolic BP", "mmHg"),
                "participants",
                ("Placebo", "Treatment"),
                -1,
            ),
        ),
        bars=(BarVocab("Subgroup", ("Age < 65", "Age ≥ 65", "Female", "Male", "Diabetes"), Axis("Hazard ratio")),),
        heatmaps=(
            HeatmapVocab(
                "Risk factor",
                ("LDL-C", "HDL-C", "BMI", "SBP", "HbA1c"),
                "Risk factor",
                ("LDL-C", "HDL-C", "BMI", "SBP", "HbA1c"),
                Axis("Genetic correlation"),
                "correlation",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "trial design", ("Screening", "Randomisation", "Intervention arm", "Control arm", "12-month follow-up")
            ),
        ),
        **_CLINICAL,
    ),
    Topic(
        key="oncology",
        categories={
            "medrxiv": (("Oncology",), ("Radiology and Imaging",), ("Pathology",)),
            "nature_communications": (("Cancer", "Cancer immunotherapy"), ("Cancer", "Tumour biomarkers")),
        },
        field="oncology",
        objects=(
            "non-small-cell lung cancer",
            "colorectal liver metastases",
            "triple-negative breast cancer",
            "glioblastoma",
        ),
        methods=(
            "circulating tumour DNA sequencing",
            "radiomics",
            "multiplex immunohistochemistry",
            "single-cell RNA sequencing",
        ),
        data=(
            "812 patients treated with immune checkpoint inhibitors",
            "whole-slide images from 1,120 tumours",
            "pre-treatment CT scans",
        ),
        properties=("overall survival", "treatment response", "tumour mutational burden", "immune infiltration"),
        findings=(
            "early ctDNA clearance predicted longer progression-free survival",
            "CD8⁺ T-cell density at the invasive margin predicted response",
            "the radiomic signature stratified patients into distinct risk groups",
        ),
        gaps=(
            "reliable biomarkers of immunotherapy response are lacking",
            "tumour heterogeneity complicates treatment selection",
        ),
        lines=(
            LineVocab(
                Axis("Time since treatment start", "months"),
                Axis("Progression-free survival", "%"),
                ("ctDNA cleared", "ctDNA persistent"),
                "decay",
            ),
            LineVocab(
                Axis("Weeks on treatment"),
                Axis("Change in tumour volume", "%"),
                ("Responders", "Stable disease", "Progressors"),
                "oscillation",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Tumour mutational burden", "mut/Mb"),
                Axis("CD8⁺ cells per mm²"),
                "tumours",
                ("Responders", "Non-responders"),
            ),
        ),
        bars=(
            BarVocab(
                "Subtype",
                ("Luminal A", "Luminal B", "HER2+", "Basal-like"),
                Axis("Objective response rate", "%"),
                ("Chemotherapy", "Chemo-immunotherapy"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Gene",
                ("CD8A", "GZMB", "PDCD1", "CD274", "FOXP3", "MKI67"),
                "Cluster",
                ("C1", "C2", "C3", "C4", "C5", "C6"),
                Axis("Scaled expression"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab(
                "Haematoxylin and eosin-stained section",
                "a resected tumour",
                "tumour cell nests",
                (("haematoxylin", "purple"), ("eosin", "pink")),
                (100, "μm"),
            ),
        ),
        diagrams=(
            DiagramVocab(
                "patient cohort",
                ("Enrolled", "Baseline biopsy", "Treatment", "On-treatment ctDNA", "Outcome assessment"),
            ),
        ),
        **_CLINICAL,
    ),
    Topic(
        key="mental_health",
        categories={
            "medrxiv": (("Psychiatry and Clinical Psychology",), ("Neurology",), ("Public and Global Health",))
        },
        field="psychiatric epidemiology",
        objects=(
            "adolescents with depressive symptoms",
            "adults with treatment-resistant depression",
            "patients after mild traumatic brain injury",
            "shift workers",
        ),
        methods=(
            "a digital cognitive behavioural intervention",
            "ecological momentary assessment",
            "a stepped-wedge cluster trial",
            "polygenic risk scores",
        ),
        data=(
            "a national birth cohort of 9,812 participants",
            "smartphone data from 1,406 adults",
            "outpatient records from 26 clinics",
        ),
        properties=("depressive symptom scores", "sleep duration", "cognitive performance", "remission rates"),
        findings=(
            "the digital intervention reduced PHQ-9 scores by 3.1 points",
            "short sleep predicted next-day negative affect",
            "remission rates doubled with augmentation therapy",
        ),
        gaps=("access to psychological therapy remains limited", "day-to-day symptom dynamics are rarely measured"),
        lines=(
            LineVocab(Axis("Week"), Axis("PHQ-9 score"), ("Usual care", "Digital CBT"), "decay"),
            LineVocab(
                Axis("Hour of day"), Axis("Negative affect", "z-score"), ("Short sleep", "Normal sleep"), "oscillation"
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Sleep duration", "h"),
                Axis("Next-day negative affect"),
                "participant-days",
                ("Weekday", "Weekend"),
                -1,
            ),
        ),
        bars=(
            BarVocab(
                "Arm",
                ("Usual care", "Digital CBT", "Augmentation", "Combined"),
                Axis("Remission", "%"),
                ("Week 8", "Week 24"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Symptom",
                ("Mood", "Anhedonia", "Sleep", "Fatigue", "Appetite", "Concentration"),
                "Symptom",
                ("Mood", "Anhedonia", "Sleep", "Fatigue", "Appetite", "Concentration"),
                Axis("Partial correlation"),
                "correlation",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "CONSORT diagram",
                (
                    "Assessed for eligibility",
                    "Randomised",
                    "Allocated to usual care",
                    "Allocated to digital CBT",
                    "Analysed",
                ),
            ),
        ),
        **_CLINICAL,
    ),
    Topic(
        key="catalysis",
        categories={
            "chemrxiv": (("Catalysis", "Physical Chemistry"), ("Catalysis",), ("Physical Chemistry", "Catalysis")),
            "nature_communications": (("Chemistry", "Catalysis"), ("Chemistry", "Electrocatalysis")),
        },
        field="heterogeneous catalysis",
        objects=(
            "single-atom platinum catalysts",
            "copper electrodes for CO₂ reduction",
            "zeolite-supported iron",
            "nickel-iron oxyhydroxides",
        ),
        methods=(
            "operando X-ray absorption spectroscopy",
            "in situ infrared spectroscopy",
            "kinetic isotope studies",
            "microkinetic modelling",
        ),
        data=(
            "catalysts prepared by strong electrostatic adsorption",
            "a flow-cell electrolyser",
            "a fixed-bed reactor at 1 bar",
        ),
        properties=("turnover frequencies", "Faradaic efficiency", "activation energies", "catalyst stability"),
        findings=(
            "isolated Pt sites are four times more active than nanoparticles",
            "ethylene selectivity reaches 68% at −0.9 V versus RHE",
            "the apparent activation energy drops from 92 to 61 kJ mol⁻¹",
        ),
        gaps=(
            "the nature of the active site under reaction conditions is debated",
            "catalyst deactivation limits industrial deployment",
        ),
        lines=(
            LineVocab(
                Axis("Temperature", "°C"), Axis("CO conversion", "%"), ("Pt₁/CeO₂", "Pt NP/CeO₂", "CeO₂"), "growth"
            ),
            LineVocab(Axis("Time on stream", "h"), Axis("Faradaic efficiency", "%"), ("C₂H₄", "CO", "H₂"), "decay"),
        ),
        scatters=(
            ScatterVocab(
                Axis("Adsorption energy", "eV"), Axis("log TOF", "s⁻¹"), "catalysts", ("Pt group", "Base metals"), -1
            ),
        ),
        bars=(
            BarVocab(
                "Catalyst",
                ("Cu foil", "Cu-NP", "Cu-Ag", "Cu-Zn", "Cu-Pd"),
                Axis("Faradaic efficiency", "%"),
                ("C₂H₄", "CO"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Metal",
                ("Pt", "Pd", "Rh", "Ni", "Co", "Fe"),
                "Support",
                ("CeO₂", "TiO₂", "Al₂O₃", "SiO₂", "ZrO₂"),
                Axis("TOF", "s⁻¹"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab(
                "Transmission electron micrograph", "the Pt/CeO₂ catalyst", "nanoparticles", (), (20, "nm")
            ),
        ),
        diagrams=(
            DiagramVocab("reaction mechanism", ("CO adsorption", "O₂ activation", "CO oxidation", "CO₂ desorption")),
        ),
        **_LAB,
    ),
    Topic(
        key="batteries",
        categories={
            "chemrxiv": (("Energy", "Materials Science"), ("Materials Science", "Energy"), ("Energy",)),
            "nature_communications": (
                ("Materials science", "Batteries"),
                ("Energy science and technology", "Batteries"),
            ),
        },
        field="electrochemical energy storage",
        objects=(
            "lithium-metal anodes",
            "sodium-ion layered oxides",
            "solid polymer electrolytes",
            "silicon-graphite composites",
        ),
        methods=(
            "galvanostatic cycling",
            "electrochemical impedance spectroscopy",
            "cryogenic electron microscopy",
            "electrolyte additive engineering",
        ),
        data=("coin cells assembled in an argon glovebox", "pouch cells of 1 Ah", "a library of 36 electrolytes"),
        properties=("capacity retention", "Coulombic efficiency", "ionic conductivity", "interfacial resistance"),
        findings=(
            "the fluorinated additive raises Coulombic efficiency to 99.6%",
            "capacity retention reaches 91% after 500 cycles",
            "a LiF-rich interphase suppresses dendrite growth",
        ),
        gaps=(
            "dendrite growth still limits the lifetime of lithium-metal cells",
            "the interphase chemistry is hard to observe in situ",
        ),
        lines=(
            LineVocab(
                Axis("Cycle number"),
                Axis("Discharge capacity", "mAh g⁻¹"),
                ("Baseline electrolyte", "+ 2% FEC", "+ 5% FEC"),
                "decay",
            ),
            LineVocab(
                Axis("Specific capacity", "mAh g⁻¹"),
                Axis("Voltage", "V"),
                ("1st cycle", "100th cycle", "300th cycle"),
                "decay",
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Ionic conductivity", "mS cm⁻¹"),
                Axis("Capacity retention", "%"),
                "electrolytes",
                ("Carbonate", "Ether"),
            ),
        ),
        bars=(
            BarVocab("Rate", ("0.1C", "0.5C", "1C", "2C", "5C"), Axis("Capacity", "mAh g⁻¹"), ("Pristine", "Coated")),
        ),
        heatmaps=(
            HeatmapVocab(
                "Salt concentration",
                ("0.5 M", "1 M", "2 M", "3 M", "4 M"),
                "Solvent ratio",
                ("1:0", "3:1", "1:1", "1:3", "0:1"),
                Axis("Ionic conductivity", "mS cm⁻¹"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab("Scanning electron micrograph", "the cycled lithium surface", "deposits", (), (10, "μm")),
        ),
        diagrams=(
            DiagramVocab("cell architecture", ("Cathode", "Separator", "Electrolyte", "SEI layer", "Lithium anode")),
        ),
        **_LAB,
    ),
    Topic(
        key="computational_chemistry",
        categories={
            "chemrxiv": (
                ("Theoretical and Computational Chemistry",),
                ("Theoretical and Computational Chemistry", "Physical Chemistry"),
            ),
            "arxiv": (("physics.chem-ph",), ("physics.chem-ph", "physics.comp-ph")),
        },
        field="computational chemistry",
        objects=(
            "machine-learned interatomic potentials",
            "excited-state dynamics",
            "solvation free energies",
            "enzyme reaction pathways",
        ),
        methods=(
            "coupled-cluster benchmarks",
            "graph neural network potentials",
            "enhanced-sampling molecular dynamics",
            "QM/MM simulations",
        ),
        data=("a benchmark of 1,432 molecules", "the QM9 data set", "100 ns trajectories"),
        properties=("energy errors", "reaction barriers", "free-energy profiles", "computational cost"),
        findings=(
            "the potential reaches chemical accuracy with 500 training structures",
            "the rate-limiting barrier is 14.2 kcal mol⁻¹",
            "explicit solvation lowers the barrier by 3 kcal mol⁻¹",
        ),
        gaps=(
            "accurate methods remain too expensive for condensed phases",
            "transferability of learned potentials is rarely tested",
        ),
        method_names=("ChemGNN", "NeqIP-L", "FESampler"),
        lines=(
            LineVocab(
                Axis("Reaction coordinate", "Å"),
                Axis("Free energy", "kcal mol⁻¹"),
                ("Gas phase", "Implicit solvent", "Explicit solvent"),
                "peak",
            ),
            LineVocab(
                Axis("Training set size"), Axis("Energy MAE", "meV atom⁻¹"), ("SchNet", "NequIP", "Ours"), "power_law"
            ),
        ),
        scatters=(
            ScatterVocab(
                Axis("Reference energy", "eV"), Axis("Predicted energy", "eV"), "structures", ("Train", "Test")
            ),
        ),
        bars=(
            BarVocab(
                "Method",
                ("B3LYP", "ωB97X-D", "MP2", "DLPNO-CCSD(T)", "ML potential"),
                Axis("Barrier height error", "kcal mol⁻¹"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Dihedral φ",
                ("-180°", "-120°", "-60°", "0°", "60°", "120°"),
                "Dihedral ψ",
                ("-180°", "-120°", "-60°", "0°", "60°", "120°"),
                Axis("Free energy", "kJ mol⁻¹"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "active-learning loop",
                ("Initial structures", "DFT labels", "Train potential", "MD sampling", "Uncertainty selection"),
            ),
        ),
        **_ML_SEEDS,
    ),
    Topic(
        key="synthesis",
        categories={
            "chemrxiv": (
                ("Organic Chemistry",),
                ("Polymer Science", "Materials Science"),
                ("Analytical Chemistry",),
                ("Organic Chemistry", "Catalysis"),
            )
        },
        field="synthetic chemistry",
        objects=(
            "photoredox C–N couplings",
            "recyclable polyesters",
            "chiral amine synthesis",
            "metal-organic frameworks",
        ),
        methods=(
            "high-throughput experimentation",
            "flow chemistry",
            "NMR reaction monitoring",
            "ring-opening polymerisation",
        ),
        data=("a scope of 42 substrates", "reactions run on a 0.2 mmol scale", "polymers of 10-80 kg mol⁻¹"),
        properties=("isolated yields", "enantioselectivity", "molecular weight distribution", "thermal stability"),
        findings=(
            "yields exceed 80% for electron-poor aryl bromides",
            "the polymer depolymerises to monomer in 94% yield",
            "enantiomeric excess reaches 96% at −20 °C",
        ),
        gaps=(
            "general methods for this bond construction remain scarce",
            "chemical recycling of commodity plastics is inefficient",
        ),
        lines=(
            LineVocab(
                Axis("Reaction time", "min"),
                Axis("Conversion", "%"),
                ("Batch", "Flow, 1 mL min⁻¹", "Flow, 3 mL min⁻¹"),
                "growth",
            ),
            LineVocab(Axis("Temperature", "°C"), Axis("Mass remaining", "%"), ("PLA", "New polyester", "PET"), "decay"),
        ),
        scatters=(ScatterVocab(Axis("Hammett σ"), Axis("log(k/k₀)"), "substrates", ("para", "meta")),),
        bars=(BarVocab("Ligand", ("L1", "L2", "L3", "L4", "L5", "L6"), Axis("Yield", "%"), ("0 °C", "25 °C")),),
        heatmaps=(
            HeatmapVocab(
                "Catalyst loading",
                ("0.5 mol%", "1 mol%", "2 mol%", "5 mol%"),
                "Solvent",
                ("MeCN", "DMF", "DMSO", "THF", "Toluene"),
                Axis("Yield", "%"),
                "intensity",
            ),
        ),
        micrographs=(
            MicrographVocab("Scanning electron micrograph", "the MOF crystals", "crystallites", (), (5, "μm")),
        ),
        diagrams=(
            DiagramVocab(
                "synthetic route",
                ("Aryl bromide", "Oxidative addition", "Amine coordination", "Reductive elimination", "Product"),
            ),
        ),
        **_LAB,
    ),
    Topic(
        key="climate",
        categories={
            "nature_communications": (
                ("Climate sciences", "Climate change"),
                ("Ocean sciences", "Physical oceanography"),
                ("Earth and environmental sciences", "Atmospheric science"),
            ),
            "arxiv": (("physics.ao-ph",), ("physics.ao-ph", "physics.geo-ph")),
        },
        field="climate science",
        objects=(
            "marine heatwaves",
            "Arctic sea ice",
            "tropical cyclone intensification",
            "the Atlantic overturning circulation",
        ),
        methods=(
            "CMIP6 model ensembles",
            "Argo float observations",
            "satellite altimetry",
            "detection and attribution",
        ),
        data=("the ERA5 reanalysis", "daily sea-surface temperature from 1982 to 2023", "30 CMIP6 models"),
        properties=("warming trends", "extreme-event frequency", "sea-ice extent", "ocean heat content"),
        findings=(
            "marine heatwave days have tripled since the 1980s",
            "the overturning weakens by 15% by 2100 under SSP2-4.5",
            "rapid intensification has become twice as frequent",
        ),
        gaps=(
            "regional projections of extremes remain uncertain",
            "observational records are short relative to natural variability",
        ),
        lines=(
            LineVocab(
                Axis("Year"),
                Axis("Sea-surface temperature anomaly", "°C"),
                ("Observations", "CMIP6 historical", "CMIP6 SSP2-4.5"),
                "growth",
            ),
            LineVocab(Axis("Month"), Axis("Sea-ice extent", "10⁶ km²"), ("1980s", "2000s", "2020s"), "oscillation"),
        ),
        scatters=(
            ScatterVocab(
                Axis("Global warming level", "°C"),
                Axis("Heatwave days per year"),
                "model runs",
                ("SSP1-2.6", "SSP5-8.5"),
            ),
        ),
        bars=(
            BarVocab(
                "Ocean basin",
                ("North Atlantic", "North Pacific", "Indian", "Southern", "Arctic"),
                Axis("Trend", "days per decade"),
                ("1982-2002", "2003-2023"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Latitude band",
                ("60°N", "30°N", "0°", "30°S", "60°S"),
                "Decade",
                ("1980s", "1990s", "2000s", "2010s", "2020s"),
                Axis("Temperature anomaly", "°C"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "attribution framework",
                (
                    "Observations",
                    "Factual simulations",
                    "Counterfactual simulations",
                    "Event probability",
                    "Attribution",
                ),
            ),
        ),
        replicates="ensemble members",
        error_kind="5-95% range",
    ),
    Topic(
        key="signal_processing",
        categories={"arxiv": (("eess.IV",), ("eess.SP",), ("eess.IV", "cs.CV"), ("eess.SP", "cs.IT"))},
        field="computational imaging",
        objects=("low-dose CT reconstruction", "MRI acceleration", "radar waveform design", "speech enhancement"),
        methods=("unrolled optimisation networks", "diffusion-model priors", "compressed sensing", "sparse coding"),
        data=("the fastMRI knee data set", "the LoDoPaB-CT benchmark", "simulated radar returns"),
        properties=("reconstruction quality", "peak signal-to-noise ratio", "robustness to noise", "runtime"),
        findings=(
            "eightfold undersampling keeps structural similarity above 0.9",
            "the diffusion prior improves PSNR by 2.4 dB",
            "unrolled networks converge in ten iterations",
        ),
        gaps=(
            "learned reconstructions can hallucinate structure",
            "fast acquisition and image quality remain in tension",
        ),
        method_names=("UnrollNet", "DiffRecon", "SparseCS"),
        lines=(
            LineVocab(
                Axis("Acceleration factor"),
                Axis("PSNR", "dB"),
                ("Zero-filled", "Compressed sensing", "U-Net", "Ours"),
                "decay",
            ),
            LineVocab(
                Axis("Frequency", "kHz"),
                Axis("Power spectral density", "dB Hz⁻¹"),
                ("Noisy", "Wiener", "Enhanced"),
                "power_law",
            ),
        ),
        scatters=(
            ScatterVocab(Axis("Runtime", "ms"), Axis("SSIM"), "reconstruction methods", ("Classical", "Learned")),
        ),
        bars=(
            BarVocab(
                "Method",
                ("FBP", "TV", "U-Net", "Learned primal-dual", "Ours"),
                Axis("PSNR", "dB"),
                ("Low noise", "High noise"),
            ),
        ),
        heatmaps=(
            HeatmapVocab(
                "Noise level σ",
                ("0.01", "0.02", "0.05", "0.1", "0.2"),
                "Acceleration",
                ("2×", "4×", "6×", "8×", "12×"),
                Axis("SSIM"),
                "intensity",
            ),
        ),
        diagrams=(
            DiagramVocab(
                "reconstruction network",
                ("Measurements", "Adjoint operator", "Denoiser block", "Data consistency", "Reconstruction"),
            ),
        ),
        **_ML_SEEDS,
    ),
)

TOPICS_BY_SOURCE: dict[str, tuple[Topic, ...]] = {
    source: tuple(topic for topic in TOPICS if source in topic.categories)
    for source in ("arxiv", "biorxiv", "medrxiv", "chemrxiv", "nature_communications")
}
