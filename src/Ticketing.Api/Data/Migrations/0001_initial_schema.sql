-- Ticketing schema. Postgres is the arbiter: every invariant that money or seats depend on is a
-- constraint here, so no code path (or bug) can break it (ARCHITECTURE.md, "Postgres is the arbiter").

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    name          text        NOT NULL,
    password_hash text        NOT NULL,
    balance       bigint      NOT NULL DEFAULT 0 CONSTRAINT users_balance_non_negative CHECK (balance >= 0),
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Names are unique regardless of case ("Alice" and "alice" are one person to a reader).
CREATE UNIQUE INDEX users_name_unique ON users (lower(name));

CREATE TABLE concerts (
    id        uuid PRIMARY KEY,
    title     text NOT NULL,
    performer text NOT NULL,
    venue     text NOT NULL
);

CREATE TABLE schedules (
    id               uuid PRIMARY KEY,
    concert_id       uuid        NOT NULL REFERENCES concerts (id),
    starts_at        timestamptz NOT NULL,
    booking_opens_at timestamptz NOT NULL,
    booking_closes_at timestamptz NOT NULL,
    CONSTRAINT schedules_window_ordered CHECK (booking_opens_at < booking_closes_at AND booking_closes_at <= starts_at)
);
CREATE INDEX schedules_concert ON schedules (concert_id);

-- Seats 1..50 per schedule (seed 002 §2: seat numbers 1~50, managed per date).
CREATE TABLE seats (
    schedule_id uuid    NOT NULL REFERENCES schedules (id),
    seat_number integer NOT NULL CONSTRAINT seats_number_range CHECK (seat_number BETWEEN 1 AND 50),
    grade       text    NOT NULL,
    price       bigint  NOT NULL CONSTRAINT seats_price_positive CHECK (price > 0),
    PRIMARY KEY (schedule_id, seat_number)
);

CREATE TABLE reservations (
    id          uuid PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id),
    schedule_id uuid        NOT NULL,
    seat_number integer     NOT NULL,
    price       bigint      NOT NULL CHECK (price > 0),
    status      text        NOT NULL DEFAULT 'CONFIRMED' CHECK (status IN ('CONFIRMED')),
    paid_at     timestamptz NOT NULL,
    FOREIGN KEY (schedule_id, seat_number) REFERENCES seats (schedule_id, seat_number),
    -- The final arbiter: a seat is sold at most once, whatever Redis says.
    CONSTRAINT reservations_one_per_seat UNIQUE (schedule_id, seat_number)
);
CREATE INDEX reservations_user ON reservations (user_id, paid_at DESC);

CREATE TABLE payments (
    id             uuid PRIMARY KEY,
    user_id        uuid        NOT NULL REFERENCES users (id),
    reservation_id uuid        NOT NULL UNIQUE REFERENCES reservations (id),
    hold_id        uuid        NOT NULL UNIQUE,
    amount         bigint      NOT NULL CHECK (amount > 0),
    paid_at        timestamptz NOT NULL
);

CREATE TABLE balance_history (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id       uuid        NOT NULL REFERENCES users (id),
    kind          text        NOT NULL CHECK (kind IN ('CHARGE', 'PAYMENT', 'REFUND')),
    amount        bigint      NOT NULL CHECK (amount > 0),
    balance_after bigint      NOT NULL CHECK (balance_after >= 0),
    payment_id    uuid        NULL REFERENCES payments (id),
    at            timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX balance_history_user ON balance_history (user_id, id DESC);

-- Idempotency keys (Stripe-style; API.md "Idempotency"): one row per (user, key). The row is inserted
-- before the effect runs (IN_FLIGHT) and completed in the effect's own transaction, so a stored
-- response always matches an effect that committed.
CREATE TABLE idempotency_keys (
    user_id       uuid        NOT NULL REFERENCES users (id),
    key           text        NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash  text        NOT NULL,
    status_code   integer     NULL,
    response_body text        NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    completed_at  timestamptz NULL,
    PRIMARY KEY (user_id, key)
);
