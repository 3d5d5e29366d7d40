package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/kanri/kanri/internal/audit"
	"github.com/kanri/kanri/internal/auth"
	"github.com/kanri/kanri/internal/clock"
	"github.com/kanri/kanri/internal/errs"
	"github.com/kanri/kanri/internal/i18n"
	"github.com/kanri/kanri/internal/id"
	"github.com/kanri/kanri/internal/member"
	"github.com/kanri/kanri/internal/partner"
	"github.com/kanri/kanri/internal/tenant"
)

// Store is what the session service needs from the database. Get methods
// return NotFound for missing rows.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	GetMemberByLoginID(ctx context.Context, loginID string) (*member.Member, error)
	GetMember(ctx context.Context, tenantID, id string) (*member.Member, error)
	GetTenant(ctx context.Context, id string) (*tenant.Tenant, error)
	MemberPermissions(ctx context.Context, memberID string) ([]auth.Permission, error)
	// MemberStanding reads a member's Standing in one statement. Errors:
	// NotFound.
	MemberStanding(ctx context.Context, tenantID, memberID string) (*Standing, error)
	CreateSession(ctx context.Context, s *Session) error
	// GetSessionByHash returns a session and, for a member's, the member's
	// Standing (nil when the member is gone). Errors: NotFound.
	GetSessionByHash(ctx context.Context, hash string) (*Session, *Standing, error)
	ListSessions(ctx context.Context, memberID string, now time.Time) ([]*Session, error)
	RevokeSession(ctx context.Context, id string, now time.Time) error
	RevokeMemberSessions(ctx context.Context, memberID string, now time.Time) (int, error)
	RevokeTenantSessions(ctx context.Context, tenantID string, now time.Time) (int, error)
	CreateOperator(ctx context.Context, o *Operator) error
	// GetOperator returns an operator that is not disabled, by id or
	// e-mail address: a disabled one neither signs in nor authenticates.
	// Errors: NotFound.
	GetOperator(ctx context.Context, idOrEmail string) (*Operator, error)
	// GetPartnerUser returns a partner user by id or e-mail address, with
	// its partner's status. Errors: NotFound.
	GetPartnerUser(ctx context.Context, idOrEmail string) (*partner.User, error)
	ReserveLoginAttempt(ctx context.Context, key string, now, windowStart time.Time) (int, time.Time, error)
	ReleaseLoginAttempts(ctx context.Context, key string, windowStart time.Time, n int) error
	ForgetLoginAttempts(ctx context.Context, key string) error
	TwoFactorStore
	AppendAuditEvents(ctx context.Context, events ...*audit.Event) error
	OperatorStore
}

// TwoFactorStore is what two-factor sign-in needs from the database. Get
// methods return NotFound for missing rows, Use methods NotFound when there
// is nothing (any more) to use.
type TwoFactorStore interface {
	TwoFactorPolicy(ctx context.Context, tenantID string) (Policy, error)
	SetTwoFactorPolicy(ctx context.Context, tenantID string, p Policy) error
	// TwoFactorState returns the tenant's policy and whether the member has
	// two-factor sign-in on, in one read for every request.
	TwoFactorState(ctx context.Context, tenantID, memberID string) (Policy, bool, error)
	GetTwoFactor(ctx context.Context, memberID string) (*TwoFactor, error)
	// StartTwoFactor stores a pending enrolment, replacing a pending one.
	// Errors: Conflict (two-factor is on).
	StartTwoFactor(ctx context.Context, tf *TwoFactor) error
	// ConfirmTwoFactor turns tf on if it is still the pending enrolment.
	// Errors: NotFound (confirmed or replaced meanwhile).
	ConfirmTwoFactor(ctx context.Context, tf *TwoFactor, step int64, now time.Time) error
	DeleteTwoFactor(ctx context.Context, memberID string) error
	UseTwoFactorStep(ctx context.Context, memberID string, step int64) error
	ReplaceRecoveryCodes(ctx context.Context, memberID string, hashes []string) error
	UseRecoveryCode(ctx context.Context, memberID, hash string, now time.Time) error
	CreatePending(ctx context.Context, p *Pending) error
	GetPending(ctx context.Context, hash string) (*Pending, error)
	UsePending(ctx context.Context, hash string, now time.Time) error
}

// Limits bounds sign-in attempts — passwords and second-step codes — per
// account and per IP within a window. An attempt counts from before it is
// checked; only a success gives it back (see limits.go).
type Limits struct {
	PerAccount int
	PerIP      int
	Window     time.Duration
}

// Service signs people in and checks their tokens.
type Service struct {
	Store      Store
	Clock      clock.Clock
	IDs        id.Generator
	Audit      audit.Recorder
	SessionTTL time.Duration
	Limits     Limits
	Secrets    *Sealer // encrypts TOTP secrets at rest
}

// Client is where a sign-in comes from.
type Client struct {
	IP        string
	UserAgent string
}

// ClientOf is where the actor of ctx acts from; zero when ctx has none.
func ClientOf(ctx context.Context) Client {
	a := auth.FromContext(ctx)
	if a == nil {
		return Client{}
	}
	return Client{IP: a.IP, UserAgent: a.UserAgent}
}

var errBadLogin = errs.E(errs.Unauthenticated, "session.bad_login")

// Result is the outcome of a right password: a session, or — for a member
// with two-factor sign-in on — the token of the second step instead.
type Result struct {
	Token   string // the new session's bearer token
	Session *Session
	// EnrolTwoFactor: the tenant requires two-factor sign-in of the member,
	// who has not turned it on; the session is open only to doing so.
	EnrolTwoFactor   bool
	PendingToken     string // for LoginTwoFactor; set instead of Token
	PendingExpiresAt time.Time
}

// SignIn checks a member's password and opens a session, or starts the
// second step. Errors: Unauthenticated (wrong login id or password;
// suspended or closed), TooManyRequests (too many attempts: wait).
func (s *Service) SignIn(ctx context.Context, loginID, password string, c Client) (*Result, error) {
	loginID = strings.ToLower(strings.TrimSpace(loginID))
	return s.login(ctx, AccountKey(loginID), password, c, s.findMember(loginID, c))
}

// findMember returns the lookup of the member signing in as loginID: their
// actor and password hash.
func (s *Service) findMember(loginID string, c Client) func(context.Context) (*auth.Actor, string, error) {
	return func(ctx context.Context) (*auth.Actor, string, error) {
		m, err := s.Store.GetMemberByLoginID(ctx, loginID)
		if errs.Is(err, errs.NotFound) || (err == nil && m.PasswordHash == "") {
			return nil, "", errBadLogin
		}
		if err != nil {
			return nil, "", err
		}
		return s.memberActor(ctx, m, c), m.PasswordHash, nil
	}
}

// Login is SignIn for callers that have no second step to offer (tools and
// tests): a member with two-factor sign-in on is refused (FailedPrecondition).
func (s *Service) Login(ctx context.Context, loginID, password string, c Client) (string, *Session, error) {
	r, err := s.SignIn(ctx, loginID, password, c)
	if err != nil {
		return "", nil, err
	}
	if r.Session == nil {
		return "", nil, errs.E(errs.FailedPrecondition, "session.second_step_needed")
	}
	return r.Token, r.Session, nil
}

// LoginOperator signs an operator in by e-mail address.
func (s *Service) LoginOperator(ctx context.Context, email, password string, c Client) (string, *Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	r, err := s.login(ctx, OperatorKey(email), password, c, func(ctx context.Context) (*auth.Actor, string, error) {
		o, err := s.Store.GetOperator(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return nil, "", errBadLogin
		}
		if err != nil {
			return nil, "", err
		}
		return &auth.Actor{Kind: auth.KindOperator, ID: o.ID, Name: o.Email, IP: c.IP, UserAgent: c.UserAgent}, o.PasswordHash, nil
	})
	if err != nil {
		return "", nil, err
	}
	return r.Token, r.Session, nil
}

// LoginPartner signs a partner user in to the partner portal by e-mail
// address: an active partner's users only; one with two-factor sign-in on
// gets the second step's token instead (LoginTwoFactor).
func (s *Service) LoginPartner(ctx context.Context, email, password string, c Client) (*Result, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.login(ctx, PartnerKey(email), password, c, func(ctx context.Context) (*auth.Actor, string, error) {
		u, err := s.Store.GetPartnerUser(ctx, email)
		if errs.Is(err, errs.NotFound) {
			return nil, "", errBadLogin
		}
		if err != nil {
			return nil, "", err
		}
		return partnerActor(u, c), u.PasswordHash, nil
	})
}

// partnerActor is the actor of partner user u.
func partnerActor(u *partner.User, c Client) *auth.Actor {
	return &auth.Actor{Kind: auth.KindPartner, ID: u.ID, PartnerID: u.PartnerID, Name: u.Email, Language: u.Language,
		IP: c.IP, UserAgent: c.UserAgent}
}

// standPartner refuses the users of a suspended partner.
func standPartner(u *partner.User) error {
	if u.PartnerStatus != partner.StatusActive {
		return errs.E(errs.Unauthenticated, "session.partner_suspended")
	}
	return nil
}

// stillSignsIn checks, holding the member's tenant, that the login id still
// names the member: a primary-domain change that committed after the
// password check renamed it and revoked every session, and one that
// commits after this waits for the new session and revokes it too.
func (s *Service) stillSignsIn(ctx context.Context, a *auth.Actor, find func(context.Context) (*auth.Actor, string, error)) error {
	if a.Kind != auth.KindMember {
		return nil
	}
	if _, err := s.Store.GetTenant(ctx, a.TenantID); err != nil {
		return err
	}
	again, _, err := find(ctx)
	if err != nil || again.ID != a.ID {
		return errBadLogin
	}
	return nil
}

// login counts the attempt against the rate limits, checks the account and
// the password, and then signs the actor in (see next).
func (s *Service) login(ctx context.Context, key, password string, c Client, find func(context.Context) (*auth.Actor, string, error)) (*Result, error) {
	now := s.Clock.Now()
	at, err := s.reserve(ctx, now, key, c.IP)
	if err != nil {
		return nil, err
	}
	a, hash, err := find(ctx)
	if err == nil && !auth.VerifyPassword(hash, password) {
		err = errBadLogin
	} else if err != nil {
		auth.VerifyNothing(password)
	}
	if err == nil {
		err = s.checkActive(ctx, a)
	}
	if err != nil {
		return nil, err // the attempt stays counted as a failure
	}
	return s.next(ctx, now, a, at, find)
}

// open creates a session for a and settles its attempt, in one transaction.
// check, when not nil, runs first in that transaction.
func (s *Service) open(ctx context.Context, now time.Time, a *auth.Actor, at *attempt, check func(context.Context) error) (*Result, error) {
	token := id.Secret("kanri")
	sess := &Session{ID: s.IDs.New("ses"), TokenHash: id.Hash(token), Kind: KindSession, TenantID: a.TenantID, IP: a.IP,
		UserAgent: a.UserAgent, CreatedAt: now, ExpiresAt: now.Add(s.SessionTTL)}
	owns(sess, a)
	err := s.Store.InTx(auth.WithActor(ctx, a), func(ctx context.Context) error {
		if check != nil {
			if err := check(ctx); err != nil {
				return err
			}
		}
		if err := s.succeeded(ctx, at); err != nil {
			return err
		}
		if err := s.Store.CreateSession(ctx, sess); err != nil {
			return err
		}
		return s.Store.AppendAuditEvents(ctx, s.Audit.Event(ctx, now, a.TenantID, "session.signed_in", "session", sess.ID, nil, nil))
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	return &Result{Token: token, Session: sess, EnrolTwoFactor: a.TwoFactorMissing}, nil
}

// owns sets the owner of sess: a's id in the column of a's kind.
func owns(sess *Session, a *auth.Actor) {
	switch a.Kind {
	case auth.KindOperator:
		sess.OperatorID = a.ID
	case auth.KindPartner:
		sess.PartnerUserID = a.ID
	default:
		sess.MemberID = a.ID
	}
}

func (s *Service) memberActor(ctx context.Context, m *member.Member, c Client) *auth.Actor {
	return &auth.Actor{Kind: auth.KindMember, ID: m.ID, TenantID: m.TenantID, Name: m.LoginID, SuperAdmin: m.SuperAdmin,
		IP: c.IP, UserAgent: c.UserAgent}
}

// checkActive refuses members who are not active or whose tenant is
// closed, and the users of a suspended partner.
func (s *Service) checkActive(ctx context.Context, a *auth.Actor) error {
	if a.Kind == auth.KindPartner {
		u, err := s.Store.GetPartnerUser(ctx, a.ID)
		if err != nil {
			return err
		}
		return standPartner(u)
	}
	if a.Kind != auth.KindMember {
		return nil
	}
	st, err := s.Store.MemberStanding(ctx, a.TenantID, a.ID)
	if err != nil {
		return err
	}
	return stand(a, st)
}

// stand refuses a member who is not active or whose tenant is closed, and
// gives a the rest of what st says.
func stand(a *auth.Actor, st *Standing) error {
	if st.MemberStatus != member.StatusActive {
		return errs.E(errs.Unauthenticated, "session.account_inactive", "status", i18n.Term("members.status."+st.MemberStatus))
	}
	if st.TenantStatus != tenant.StatusActive {
		return errs.E(errs.Unauthenticated, "session.tenant_closed")
	}
	a.Permissions, a.SuperAdmin, a.Name, a.Language = st.Permissions, st.SuperAdmin, st.LoginID, st.Language
	a.TwoFactorMissing = st.Policy.Requires(a) && !st.TwoFactorOn
	return nil
}

// Standing is what every request of a signed-in member checks, read at once.
type Standing struct {
	MemberStatus string
	SuperAdmin   bool
	LoginID      string
	Language     string
	Permissions  []auth.Permission // the union of its roles'
	TenantStatus string
	Policy       Policy // the tenant's two-factor policy
	TwoFactorOn  bool
}

// Authenticate returns the actor a bearer token belongs to. Errors:
// Unauthenticated (unknown, expired or revoked token; account no longer active).
func (s *Service) Authenticate(ctx context.Context, token string, c Client) (*auth.Actor, error) {
	sess, st, err := s.Store.GetSessionByHash(ctx, id.Hash(token))
	now := s.Clock.Now()
	switch {
	case errs.Is(err, errs.NotFound):
		return nil, errs.E(errs.Unauthenticated, "session.token_invalid")
	case err != nil:
		return nil, err
	case !sess.RevokedAt.IsZero() || (!sess.ExpiresAt.IsZero() && !now.Before(sess.ExpiresAt)):
		return nil, errs.E(errs.Unauthenticated, "session.ended")
	}
	var a *auth.Actor
	switch {
	case sess.OperatorID != "":
		o, err := s.Store.GetOperator(ctx, sess.OperatorID)
		if err != nil {
			return nil, err
		}
		a = &auth.Actor{Kind: auth.KindOperator, ID: o.ID, Name: o.Email, IP: c.IP, UserAgent: c.UserAgent}
	case sess.PartnerUserID != "":
		u, err := s.Store.GetPartnerUser(ctx, sess.PartnerUserID)
		if err != nil {
			return nil, err
		}
		if err := standPartner(u); err != nil {
			return nil, err
		}
		a = partnerActor(u, c)
	default:
		a = &auth.Actor{Kind: auth.KindMember, ID: sess.MemberID, TenantID: sess.TenantID, IP: c.IP, UserAgent: c.UserAgent}
		if st == nil {
			return nil, errs.E(errs.Unauthenticated, "session.token_invalid")
		}
		if err := stand(a, st); err != nil {
			return nil, err
		}
	}
	a.SessionID = sess.ID
	return a, nil
}
