"""One typed settings object, read from ASSISTANT_* environment variables and an optional .env file."""

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.errors import SettingsError
from assistant.labels import Generator
from assistant.mcn import DECK_FILE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def source_name(path: Path, home: Path) -> str:
    """A source's identity: its path relative to the project root when inside it (a link named by its own place,
    not by where it leads), else absolute."""
    named, root = Path(os.path.abspath(path)), Path(os.path.abspath(home))
    if named.is_relative_to(root):
        return named.relative_to(root).as_posix()
    resolved, root = path.resolve(), home.resolve()
    return resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else resolved.as_posix()


class Bounds(BaseModel):
    """Bounds on what comes in: each refusal names what was too big, before any work is done on it."""

    model_config = ConfigDict(frozen=True)

    question_chars: int = Field(2000, gt=0, description="Longest question or need, in characters.")
    history_turns: int = Field(20, gt=0, description="Most earlier turns a question may come with.")
    request_bytes: int = Field(2_000_000, gt=0, description="Largest request body the web app accepts.")
    record_bytes: int = Field(256_000, gt=0, description="Largest catalogue record file.")
    field_chars: int = Field(20_000, gt=0, description="Longest text of one field of a catalogue record.")
    document_bytes: int = Field(50_000_000, gt=0, description="Largest document (PDF, text) or import file.")
    document_pages: int = Field(2_000, gt=0, description="Most pages of one PDF.")
    nesting: int = Field(32, gt=0, description="Deepest nesting of a YAML or JSON input (records, imports, "
                         "batch lines).")


class Settings(BaseSettings):
    # The project's .env, then one in the current folder (which wins).
    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", env_file=(PROJECT_ROOT / ".env", ".env"),
                                      env_nested_delimiter="__", extra="ignore")

    home: Path = Field(PROJECT_ROOT, description="Project root: relative paths below are resolved against it.")
    documents_dir: Path = Field(Path("corpus/documents"), description="Source documents (PDF, text, Markdown).")
    catalogue_dir: Path = Field(Path("corpus/catalogue"), description="Catalogue records, one YAML file each.")
    index_dir: Path = Field(Path("index"), description="Where the embedded Chroma store lives.")
    collection: str = Field("assistant", description="Chroma collection name.")
    embedder: str = Field(
        "use-v3",
        description="'use-v3' (multilingual USE v3), 'minilm' (all-MiniLM-L6-v2), "
        "or 'st:<path>' for any sentence-transformers model on disk.",
    )
    chroma_host: str | None = Field(None, description="Chroma server host; unset means the embedded store.")
    chroma_port: int = Field(8000, description="Chroma server port, used with chroma_host.")
    web_host: str = Field("127.0.0.1", description="Address the web app binds to.")
    web_port: int = Field(7860, description="Port the web app listens on.")
    web_username: str | None = Field(None, description="With web_password: the login the web app asks for.")
    web_password: SecretStr | None = Field(None, description="With web_username: the login the web app asks for.")
    web_concurrency: int | None = Field(None, gt=0, description="Questions the web app answers at once; unset means "
                                        "as many as the machine has cores.")
    web_queue_size: int = Field(200, gt=0, description="Requests the web app keeps waiting at most; beyond, a "
                                "request is refused at once («file pleine»).")
    web_trusted_proxy: str | None = Field(None, description="The reverse proxy's address: only requests from it may "
                                          "name the client they forward (X-Forwarded-For), which login throttling "
                                          "then counts.")
    web_user_header: str | None = Field(None, description="Behind a single sign-on proxy: the header in which it names "
                                        "the user (e.g. X-Forwarded-User); requests without it, or not from "
                                        "web_trusted_proxy, are refused.")
    feedback_db: Path = Field(Path("data/feedback.sqlite3"), description="SQLite file of the advisors' feedback.")
    calibration_file: Path | None = Field(None, description="The fit decision's calibrations (JSON); unset means "
                                          "the file shipped in the package, which `assistant calibrate` updates.")
    mcn_deck: Path | None = Field(None, description="The MCN's orientation deck on mutualisation, whose pages the "
                                  "level criteria and the process steps are quoted from; unset means "
                                  f"{DECK_FILE} in the documents folder.")
    labelled_set: Path = Field(Path("eval/labelled-set.yaml"), description="The labelled set `assistant eval` "
                               "and `assistant calibrate` read by default (eval/LABELLING.md).")
    samples_dir: Path = Field(Path("../shared/samples"), description="The shared catalogue samples imported for "
                              "the grown-catalogue variant of `assistant eval`.")
    generator: Generator = Field(
        "extractive", description="Who writes the prose: 'extractive' (no language model), 'openai' (any "
        "OpenAI-compatible endpoint), 'ollama', or 'llamacpp' (a local GGUF file; the [llm] extra).")
    llm_base_url: str | None = Field(None, description="openai/ollama: the endpoint, e.g. http://127.0.0.1:8080/v1.")
    llm_model: str | None = Field(None, description="openai/ollama: the model name; llamacpp: the GGUF file.")
    llm_api_key: SecretStr | None = Field(None, description="openai: the key, if the endpoint asks for one.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds the model may take before the extractive answer.")
    llm_max_tokens: int = Field(500, gt=0, description="Longest answer the model may write, in tokens.")
    bounds: Bounds = Field(default_factory=Bounds, description="What comes in may be this big and "
                             "no bigger (ASSISTANT_BOUNDS__<NAME>).")

    @model_validator(mode="after")
    def _login_is_complete(self) -> "Settings":
        if bool(self.web_username) != bool(self.web_password and self.web_password.get_secret_value()):
            raise ValueError("ASSISTANT_WEB_USERNAME et ASSISTANT_WEB_PASSWORD vont ensemble : donnez les deux")
        return self

    @model_validator(mode="after")
    def _user_header_needs_its_proxy(self) -> "Settings":
        if self.web_user_header and not self.web_trusted_proxy:
            raise ValueError("ASSISTANT_WEB_USER_HEADER demande ASSISTANT_WEB_TRUSTED_PROXY (l’adresse du mandataire)")
        return self

    @property
    def web_login(self) -> tuple[str, str] | None:
        """The (user, password) the web app requires, or None when no login is configured."""
        if self.web_username and self.web_password:
            return self.web_username, self.web_password.get_secret_value()
        return None

    def path(self, value: Path) -> Path:
        """Resolve a configured path against the project root."""
        return value if value.is_absolute() else (self.home / value)

    @property
    def calibration_path(self) -> Path | None:
        return self.path(self.calibration_file) if self.calibration_file else None

    @property
    def deck_source(self) -> str:
        """The MCN deck as the index names it (its path relative to the project root)."""
        return self.relative(self.path(self.mcn_deck or self.documents_dir / DECK_FILE))

    @property
    def source_dirs(self) -> list[Path]:
        return [self.path(self.documents_dir), self.path(self.catalogue_dir)]

    def relative(self, path: Path) -> str:
        """A source's identity: its path relative to the project root when inside it, else absolute."""
        return source_name(path, self.home)



def load_settings() -> Settings:
    """The settings from the environment; SettingsError in one line (the variable and the reason, never the value,
    which may be a secret: pydantic's own message and traceback carry the input)."""
    try:
        return Settings()
    except ValidationError as error:
        first = error.errors()[0]
        reason = first["msg"].removeprefix("Value error, ")
        if not first["loc"]:  # a check across several settings names them itself
            raise SettingsError(f"réglages invalides : {reason}") from None
        variable = "ASSISTANT_" + "__".join(str(part) for part in first["loc"]).upper()
        raise SettingsError(f"réglage invalide {variable} : {reason}") from None
